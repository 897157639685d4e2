package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fanfare/fanfare/internal/egress"
	"github.com/fanfare/fanfare/models"
)

// Config is what a Client is made of.
type Config struct {
	Base   string         // DISCORD_API_BASE: Discord's api, or a local one in tests
	Secret string         // DISCORD_SIGNING_SECRET; empty: requests go unsigned
	Allow  []netip.Prefix // tests only: non-public prefixes the client may dial (see egress.Guard)
}

// Client calls Discord's webhook api. It keeps to Discord's rate limits
// per webhook, shared by every goroutine: a post waits out what Discord's
// last answer for that webhook asked (X-RateLimit-Remaining 0 and
// X-RateLimit-Reset-After, or a 429's retry_after), and a 429 is tried
// again, at most Attempts times. Only a 429 Discord calls global holds
// every webhook. A webhook Discord refused (401, 404) is answered from
// memory for RefusalMemory.
type Client struct {
	// Attempts is how many times one call sends its request while Discord
	// answers 429.
	Attempts int
	// MaxWait is the longest rate-limit wait a call sits out; a longer one
	// fails it (retryably), so an activity does not sleep past its timeout.
	MaxWait time.Duration
	Now     func() time.Time

	base   string
	secret []byte
	http   *http.Client

	mu        sync.Mutex
	notBefore map[string]time.Time // webhook id ("" for Discord's global limit) → earliest next request
	refused   refusals
}

// New returns a Client whose dialer reaches only public addresses (and
// c.Allow).
func New(c Config) *Client {
	return &Client{Attempts: 3, MaxWait: 30 * time.Second, Now: time.Now,
		base: strings.TrimRight(c.Base, "/"), secret: []byte(c.Secret), http: egress.Client(egress.Guard(c.Allow)),
		notBefore: map[string]time.Time{}}
}

// Error is a call Discord refused or did not answer. Permanent: trying
// again cannot help (the webhook was deleted, the message is refused);
// otherwise (429, 5xx, no answer) a later try may pass. It never holds
// the webhook's URL, whose token is a secret.
type Error struct {
	Status     int // 0: no answer
	Permanent  bool
	Message    string
	RetryAfter time.Duration // a 429: how long Discord asked to wait
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "discord: " + e.Message
	}
	return fmt.Sprintf("discord: %d %s", e.Status, e.Message)
}

// Message is an announcement: a line of text and an embed linking to URL.
type Message struct {
	Content     string
	Title       string
	URL         string
	Description string
}

// Discord's limits on a message's parts, in characters.
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
)

type embed struct {
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	Description string `json:"description,omitempty"`
}

// payload is what an execute-webhook request sends. allowed_mentions with
// an empty parse list: no text of anyone's (a party title, an artist's
// name) can ping @everyone, @here, a role or a user.
type payload struct {
	Content         string  `json:"content"`
	Embeds          []embed `json:"embeds,omitempty"`
	AllowedMentions struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

// Post executes the webhook with m (?wait=true: Discord answers once the
// message is stored, so a 2xx means it was posted).
func (c *Client) Post(ctx context.Context, w Webhook, m Message) error {
	p := payload{Content: models.Clip(m.Content, maxContent)}
	p.AllowedMentions.Parse = []string{}
	if m.URL != "" {
		p.Embeds = []embed{{Title: models.Clip(m.Title, maxTitle), URL: m.URL, Description: models.Clip(m.Description, maxDescription)}}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, http.MethodPost, w, "?wait=true", body, patience{c.Attempts, c.MaxWait})
	return err
}

// Info is what Discord says of a webhook.
type Info struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	GuildID   string `json:"guild_id"`
	Name      string `json:"name"`
}

// Check asks Discord for the webhook (a GET with its token): a webhook
// Discord does not know is a permanent Error. It sends once and never
// waits: someone is waiting for the answer, and a retry is theirs to make;
// a held bucket or a 429 is an Error with RetryAfter.
func (c *Client) Check(ctx context.Context, w Webhook) (Info, error) {
	var info Info
	data, err := c.send(ctx, http.MethodGet, w, "", nil, patience{attempts: 1})
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil || info.ID != w.ID {
		return info, &Error{Status: http.StatusOK, Message: "not a webhook's answer"}
	}
	return info, nil
}

// Refused is the refusal Discord gave w lately (a permanent *Error), or
// nil: what a call to w would answer without asking Discord again.
func (c *Client) Refused(w Webhook) error {
	if e, ok := c.refused.get(w, c.Now()); ok {
		return &e
	}
	return nil
}

const userAgent = "Fanfare (https://github.com/fanfare/fanfare, 1)"

// maxAnswer bounds what is read of an answer.
const maxAnswer = 64 << 10

// patience is how long one call keeps at a rate-limited webhook: how many
// requests it sends while Discord answers 429, and the longest wait it
// sits out (a longer one fails it, retryably).
type patience struct {
	attempts int
	maxWait  time.Duration
}

func (c *Client) send(ctx context.Context, method string, w Webhook, query string, body []byte, p patience) ([]byte, error) {
	if err := c.Refused(w); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx, w.ID, p.maxWait); err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+"/webhooks/"+w.ID+"/"+w.Token+query, bytes.NewReader(body))
		if err != nil {
			return nil, &Error{Permanent: true, Message: "bad api base"}
		}
		req.Header.Set("User-Agent", userAgent)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if len(c.secret) > 0 {
			req.Header.Set(SignatureHeader, Sign(c.secret, c.Now(), body))
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ue *url.Error // its text holds the URL, and so the token
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, &Error{Message: "no answer: " + err.Error()}
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
		wait := c.observe(w.ID, resp, data)
		switch s := resp.StatusCode; {
		case s >= 200 && s < 300:
			return data, nil
		case s == http.StatusTooManyRequests && attempt < p.attempts:
			continue // after the wait observe set
		case s == http.StatusTooManyRequests || s >= 500:
			return nil, &Error{Status: s, Message: reason(data), RetryAfter: wait}
		default:
			e := Error{Status: s, Permanent: true, Message: reason(data)}
			if remembered(s) {
				c.refused.put(w, e, c.Now())
			}
			return nil, &e
		}
	}
}

// reason is Discord's message in an error answer ("Unknown Webhook").
func reason(data []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		return models.Clip(e.Message, 200)
	}
	return "refused"
}

// maxLimit caps a wait Discord asks for, so a wild value cannot overflow.
const maxLimit = time.Hour

// seconds parses Discord's seconds ("1.5"); 0 for anything else.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f <= 0 {
		return 0
	}
	return min(time.Duration(f*float64(time.Second)), maxLimit)
}

// observe keeps what an answer says of the limits: an exhausted bucket
// (X-RateLimit-Remaining: 0) waits X-RateLimit-Reset-After; a 429 waits
// its retry_after (JSON, else the Retry-After header), for the whole
// client only when Discord says the limit is global. It returns a 429's
// wait.
func (c *Client) observe(id string, resp *http.Response, data []byte) time.Duration {
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	until := func(key string, d time.Duration) {
		if t := now.Add(d); d > 0 && t.After(c.notBefore[key]) {
			c.notBefore[key] = t
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		until(id, seconds(resp.Header.Get("X-RateLimit-Reset-After")))
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return 0
	}
	var r struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(data, &r)
	wait := seconds(strconv.FormatFloat(r.RetryAfter, 'f', -1, 64))
	if wait == 0 {
		wait = seconds(resp.Header.Get("Retry-After"))
	}
	if wait == 0 {
		wait = time.Second // a 429 that names no wait still gets one
	}
	key := id
	if r.Global || resp.Header.Get("X-RateLimit-Global") == "true" {
		key = ""
	}
	until(key, wait)
	return wait
}

// wait sleeps until the webhook's bucket (and the global one) allow a
// request; one past maxWait is a retryable Error instead.
func (c *Client) wait(ctx context.Context, id string, maxWait time.Duration) error {
	now := c.Now()
	c.mu.Lock()
	until := c.notBefore[id]
	if g := c.notBefore[""]; g.After(until) {
		until = g
	}
	for _, key := range []string{id, ""} { // forget what has passed
		if t, ok := c.notBefore[key]; ok && !t.After(now) {
			delete(c.notBefore, key)
		}
	}
	c.mu.Unlock()
	d := until.Sub(now)
	if d <= 0 {
		return nil
	}
	if d > maxWait {
		return &Error{Status: http.StatusTooManyRequests, Message: fmt.Sprintf("rate limited for %s more", d.Round(time.Second)), RetryAfter: d}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
