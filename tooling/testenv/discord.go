package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanfare/fanfare/internal/config"
)

// Discord is a local stand-in for Discord's webhook api. It records every
// request and answers with the scripted answers in order, then as Discord
// does: a GET of a webhook with its metadata, a POST with a message.
type Discord struct {
	URL     string // its api base: the value of DISCORD_API_BASE
	srv     *httptest.Server
	mu      sync.Mutex
	got     []DiscordRequest
	answers []DiscordAnswer
}

// DiscordRequest is one request the stand-in received.
type DiscordRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
	At                  time.Time
}

// DiscordAnswer is a scripted answer.
type DiscordAnswer struct {
	Status int
	Header map[string]string
	Body   string
}

// StartDiscord serves the stand-in until the test ends.
func StartDiscord(t testing.TB, answers ...DiscordAnswer) *Discord {
	d := &Discord{answers: answers}
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	d.URL = d.srv.URL + "/api"
	return d
}

// WithDiscord points an App's Discord client at d.
func WithDiscord(d *Discord) Option {
	return func(c *config.Config) {
		c.DiscordAPIBase = d.URL
		c.DiscordDialAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
}

// Script queues answers for the next requests.
func (d *Discord) Script(answers ...DiscordAnswer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers = append(d.answers, answers...)
}

// Requests returns what the stand-in received so far.
func (d *Discord) Requests() []DiscordRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DiscordRequest(nil), d.got...)
}

// Close stops the stand-in: calls to it find nobody.
func (d *Discord) Close() { d.srv.Close() }

func (d *Discord) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.got = append(d.got, DiscordRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body, time.Now()})
	var a DiscordAnswer
	if len(d.answers) > 0 {
		a, d.answers = d.answers[0], d.answers[1:]
	} else {
		a = defaultAnswer(r)
	}
	d.mu.Unlock()
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// DiscordChannel is the channel every webhook of the stand-in posts to.
const DiscordChannel = "555000000000000001"

func defaultAnswer(r *http.Request) DiscordAnswer {
	parts := strings.Split(r.URL.Path, "/") // /api/webhooks/{id}/{token}
	if len(parts) != 5 || parts[2] != "webhooks" {
		return DiscordAnswer{Status: http.StatusNotFound, Body: `{"message":"404: Not Found","code":0}`}
	}
	b, _ := json.Marshal(map[string]string{"id": parts[3], "channel_id": DiscordChannel, "name": "Fanfare"})
	if r.Method == http.MethodPost {
		b, _ = json.Marshal(map[string]string{"id": "777000000000000001", "channel_id": DiscordChannel, "webhook_id": parts[3]})
	}
	return DiscordAnswer{Status: http.StatusOK, Body: string(b)}
}
