package discord_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/discord"
	"github.com/fanfare/fanfare/tooling/testenv"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

const token = "tok_ABCdef-123_456789012345678901234567890123456789012345678901234567"

func answer(status int, header map[string]string, body string) testenv.DiscordAnswer {
	return testenv.DiscordAnswer{Status: status, Header: header, Body: body}
}

var ok = answer(http.StatusOK, nil, `{"id":"1"}`)

func client(f *testenv.Discord, secret string) *discord.Client {
	return discord.New(discord.Config{Base: f.URL, Secret: secret, Allow: loopback})
}

var hook = discord.Webhook{ID: "112233445566778899", Token: token}

// A post is the execute-webhook request Discord documents: JSON with the
// content, one embed linking to the party, and allowed_mentions that
// parse nothing (so "@everyone" in a title pings nobody); ?wait=true; and
// a signature a relay verifies with the shared secret.
func TestPostSendsTheMessageUnpingableAndSigned(t *testing.T) {
	f := testenv.StartDiscord(t, ok)
	secret := "relay-secret-0123456789"
	require.NoError(t, client(f, secret).Post(t.Context(), hook, discord.Message{
		Content: "@everyone Nova is live: <@&123> night", Title: "Join the party", URL: "https://fanfare.example/p/1",
	}))
	reqs := f.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/api/webhooks/112233445566778899/"+token, r.Path)
	require.Equal(t, "wait=true", r.Query)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.NotEmpty(t, r.Header.Get("User-Agent"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &body))
	require.Equal(t, map[string]any{
		"content":          "@everyone Nova is live: <@&123> night",
		"embeds":           []any{map[string]any{"title": "Join the party", "url": "https://fanfare.example/p/1"}},
		"allowed_mentions": map[string]any{"parse": []any{}},
	}, body)
	sig := r.Header.Get(discord.SignatureHeader)
	require.Regexp(t, `^t=\d+,v1=[0-9a-f]{64}$`, sig)
	require.NoError(t, discord.Verify([]byte(secret), sig, r.Body, time.Now(), time.Minute))
	require.Error(t, discord.Verify([]byte("another secret"), sig, r.Body, time.Now(), time.Minute))
	require.Error(t, discord.Verify([]byte(secret), sig, append(r.Body, ' '), time.Now(), time.Minute), "the body is signed")
	require.Error(t, discord.Verify([]byte(secret), sig, r.Body, time.Now().Add(10*time.Minute), time.Minute), "so is the time")

	t.Run("no secret, no signature", func(t *testing.T) {
		f := testenv.StartDiscord(t, ok)
		require.NoError(t, client(f, "").Post(t.Context(), hook, discord.Message{Content: strings.Repeat("é", 2500)}))
		r := f.Requests()[0]
		require.Empty(t, r.Header.Get(discord.SignatureHeader))
		var body struct{ Content string }
		require.NoError(t, json.Unmarshal(r.Body, &body))
		require.Equal(t, strings.Repeat("é", 1999)+"…", body.Content, "Discord's 2,000 characters")
	})
}

// A 429 is waited out (retry_after in the JSON, else Retry-After) and the
// post sent again, until it passes; a 429 past the attempts is retryable.
func TestRateLimitedPostWaitsAndRetries(t *testing.T) {
	for name, limited := range map[string]testenv.DiscordAnswer{
		"retry_after": answer(http.StatusTooManyRequests, nil, `{"message":"You are being rate limited.","retry_after":0.3,"global":false}`),
		"Retry-After": answer(http.StatusTooManyRequests, map[string]string{"Retry-After": "1"}, `{}`),
	} {
		t.Run(name, func(t *testing.T) {
			f := testenv.StartDiscord(t, limited, ok)
			require.NoError(t, client(f, "").Post(t.Context(), hook, discord.Message{Content: "hi"}))
			reqs := f.Requests()
			require.Len(t, reqs, 2)
			wait := map[string]time.Duration{"retry_after": 300 * time.Millisecond, "Retry-After": time.Second}[name]
			require.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), wait, "the second try came after the wait Discord asked for")
			require.Equal(t, reqs[0].Body, reqs[1].Body)
		})
	}
	t.Run("still limited after the attempts", func(t *testing.T) {
		f := testenv.StartDiscord(t, slices.Repeat([]testenv.DiscordAnswer{answer(http.StatusTooManyRequests, nil, `{"retry_after":0.05}`)}, 3)...)
		err := client(f, "").Post(t.Context(), hook, discord.Message{Content: "hi"})
		var de *discord.Error
		require.ErrorAs(t, err, &de)
		require.Equal(t, http.StatusTooManyRequests, de.Status)
		require.False(t, de.Permanent, "a later try may pass")
		require.Len(t, f.Requests(), 3)
	})
	t.Run("a wait longer than MaxWait fails now", func(t *testing.T) {
		f := testenv.StartDiscord(t, answer(http.StatusTooManyRequests, nil, `{"retry_after":600}`))
		c := client(f, "")
		c.MaxWait = 2 * time.Second
		err := c.Post(t.Context(), hook, discord.Message{Content: "hi"})
		var de *discord.Error
		require.ErrorAs(t, err, &de)
		require.False(t, de.Permanent)
		require.Len(t, f.Requests(), 1, "not sent again while the limit holds")
		require.ErrorAs(t, c.Post(t.Context(), hook, discord.Message{Content: "again"}), &de)
		require.Len(t, f.Requests(), 1, "the next call keeps to it too")
	})
}

// One webhook's 429 holds that webhook only: another's post goes out at
// once. Only a 429 Discord calls global (in its JSON or its header) holds
// every webhook.
func TestA429HoldsOnlyItsWebhookUnlessGlobal(t *testing.T) {
	other := discord.Webhook{ID: "998877665544332211", Token: token}
	for name, tc := range map[string]struct {
		limited testenv.DiscordAnswer
		holdsB  bool
	}{
		"per webhook":   {answer(http.StatusTooManyRequests, nil, `{"message":"You are being rate limited.","retry_after":1,"global":false}`), false},
		"global JSON":   {answer(http.StatusTooManyRequests, nil, `{"message":"You are being rate limited.","retry_after":1,"global":true}`), true},
		"global header": {answer(http.StatusTooManyRequests, map[string]string{"X-RateLimit-Global": "true", "Retry-After": "1"}, `{}`), true},
	} {
		t.Run(name, func(t *testing.T) {
			f := testenv.StartDiscord(t, tc.limited)
			c := client(f, "")
			c.Attempts = 1 // A's 429 comes back once the client has taken it in
			require.Error(t, c.Post(t.Context(), hook, discord.Message{Content: "A"}))
			require.NoError(t, c.Post(t.Context(), other, discord.Message{Content: "B"}))
			reqs := f.Requests()
			require.Len(t, reqs, 2)
			require.Contains(t, reqs[1].Path, other.ID)
			b := reqs[1].At.Sub(reqs[0].At)
			if tc.holdsB {
				require.GreaterOrEqual(t, b, time.Second, "a global limit holds B too")
			} else {
				require.Less(t, b, 500*time.Millisecond, "B did not wait for A's bucket")
			}
		})
	}
}

// A check sends once and never waits: a 429 comes back with Discord's
// wait, and a check while that wait holds sends nothing.
func TestCheckSendsOnceAndNeverWaits(t *testing.T) {
	f := testenv.StartDiscord(t, answer(http.StatusTooManyRequests, nil, `{"retry_after":5,"global":false}`))
	c := client(f, "")
	for range 2 {
		start := time.Now()
		_, err := c.Check(t.Context(), hook)
		var de *discord.Error
		require.ErrorAs(t, err, &de)
		require.Equal(t, http.StatusTooManyRequests, de.Status)
		require.False(t, de.Permanent)
		require.InDelta(t, 5*time.Second, de.RetryAfter, float64(time.Second))
		require.Less(t, time.Since(start), time.Second, "not waited out")
	}
	require.Len(t, f.Requests(), 1, "one request: the second check met the held bucket")
}

// A webhook Discord refused (401 invalid token, 404 unknown) is answered
// from memory for RefusalMemory, to checks and posts alike, without a
// request; by id and token, so a wrong token refused never refuses the
// right one. A 5xx is not remembered.
func TestRefusedWebhooksAreAnsweredFromMemory(t *testing.T) {
	wrong := discord.Webhook{ID: hook.ID, Token: "x" + token[1:]}
	f := testenv.StartDiscord(t,
		answer(http.StatusUnauthorized, nil, `{"message":"Invalid Webhook Token","code":50027}`),
		answer(http.StatusNotFound, nil, `{"message":"Unknown Webhook","code":10015}`),
		answer(http.StatusBadGateway, nil, `{}`))
	c := client(f, "")
	refused := func(w discord.Webhook, status int) {
		t.Helper()
		_, err := c.Check(t.Context(), w)
		var de *discord.Error
		require.ErrorAs(t, err, &de)
		require.Equal(t, status, de.Status)
		require.True(t, de.Permanent)
	}
	refused(wrong, http.StatusUnauthorized)
	refused(wrong, http.StatusUnauthorized)
	require.Len(t, f.Requests(), 1, "the repeat was answered from memory")
	require.Error(t, c.Refused(wrong))
	require.NoError(t, c.Refused(hook), "the right token is not refused")

	gone := discord.Webhook{ID: "123456789012345678", Token: token}
	refused(gone, http.StatusNotFound)
	require.Error(t, c.Post(t.Context(), gone, discord.Message{Content: "hi"}))
	require.Len(t, f.Requests(), 2, "a post to a refused webhook sends nothing either")

	_, err := c.Check(t.Context(), hook)
	require.Error(t, err, "502")
	_, err = c.Check(t.Context(), hook)
	require.NoError(t, err, "a 5xx is asked again")
	require.Len(t, f.Requests(), 4)

	c.Now = func() time.Time { return time.Now().Add(discord.RefusalMemory) }
	_, err = c.Check(t.Context(), gone)
	require.NoError(t, err, "asked again once the memory ran out (the stand-in now knows it)")
	require.Len(t, f.Requests(), 5)
}

// An exhausted bucket (X-RateLimit-Remaining: 0) holds the next request to
// that webhook for X-RateLimit-Reset-After, across goroutines, while
// another webhook's request goes on.
func TestExhaustedBucketDelaysTheNextRequestToTheSameWebhook(t *testing.T) {
	f := testenv.StartDiscord(t, answer(http.StatusOK, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.5"}, `{}`))
	c := client(f, "")
	require.NoError(t, c.Post(t.Context(), hook, discord.Message{Content: "first"}))
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, c.Post(t.Context(), hook, discord.Message{Content: "second"})) })
	other := discord.Webhook{ID: "998877665544332211", Token: token}
	require.NoError(t, c.Post(t.Context(), other, discord.Message{Content: "other"}))
	wg.Wait()
	reqs := f.Requests()
	require.Len(t, reqs, 3)
	require.Contains(t, string(reqs[1].Body), "other", "the other webhook's bucket is its own")
	require.Contains(t, string(reqs[2].Body), "second")
	require.GreaterOrEqual(t, reqs[2].At.Sub(reqs[0].At), 500*time.Millisecond, "the second waited out Reset-After")
}

// A deleted webhook (404) or a refused message (400) is permanent and not
// sent again; a 5xx is retryable. No error shows the token.
func TestRefusalsArePermanentOrRetryable(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{http.StatusNotFound, true}, {http.StatusUnauthorized, true}, {http.StatusBadRequest, true}, {http.StatusInternalServerError, false}, {http.StatusBadGateway, false}} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f := testenv.StartDiscord(t, answer(tc.status, nil, `{"message":"Unknown Webhook","code":10015}`))
			err := client(f, "").Post(t.Context(), hook, discord.Message{Content: "hi"})
			var de *discord.Error
			require.ErrorAs(t, err, &de)
			require.Equal(t, tc.status, de.Status)
			require.Equal(t, tc.permanent, de.Permanent)
			require.Contains(t, err.Error(), "Unknown Webhook")
			require.NotContains(t, err.Error(), token)
			require.Len(t, f.Requests(), 1)
		})
	}
	t.Run("no answer", func(t *testing.T) {
		f := testenv.StartDiscord(t, ok)
		f.Close()
		err := client(f, "").Post(t.Context(), hook, discord.Message{Content: "hi"})
		var de *discord.Error
		require.ErrorAs(t, err, &de)
		require.False(t, de.Permanent)
		require.NotContains(t, err.Error(), token, "net/http's error names the URL: it is not passed on")
	})
}

// The client dials only public addresses unless the config allows more:
// a DISCORD_API_BASE on loopback is refused in production.
func TestClientRefusesInnerAddresses(t *testing.T) {
	f := testenv.StartDiscord(t, ok)
	err := discord.New(discord.Config{Base: f.URL}).Post(t.Context(), hook, discord.Message{Content: "hi"})
	require.Error(t, err)
	require.Empty(t, f.Requests())
}

// Check asks Discord for the webhook: its channel when it exists, a
// permanent error when Discord does not know it.
func TestCheck(t *testing.T) {
	f := testenv.StartDiscord(t, answer(http.StatusOK, nil, `{"id":"112233445566778899","channel_id":"555","guild_id":"666","name":"Fanfare"}`))
	info, err := client(f, "").Check(t.Context(), hook)
	require.NoError(t, err)
	require.Equal(t, "555", info.ChannelID)
	require.Equal(t, http.MethodGet, f.Requests()[0].Method)

	f = testenv.StartDiscord(t, answer(http.StatusOK, nil, `{"id":"1"}`))
	_, err = client(f, "").Check(t.Context(), hook)
	require.Error(t, err, "an answer about another webhook")

	f = testenv.StartDiscord(t, answer(http.StatusNotFound, nil, `{"message":"Unknown Webhook"}`))
	_, err = client(f, "").Check(t.Context(), hook)
	var de *discord.Error
	require.True(t, errors.As(err, &de) && de.Permanent)
}

func TestParseURL(t *testing.T) {
	const id = "112233445566778899"
	good := map[string]string{
		"discord.com":       "https://discord.com/api/webhooks/" + id + "/" + token,
		"versioned":         "https://discord.com/api/v10/webhooks/" + id + "/" + token,
		"discordapp.com":    "https://discordapp.com/api/webhooks/" + id + "/" + token,
		"ptb":               "https://ptb.discord.com/api/webhooks/" + id + "/" + token,
		"canary":            "https://canary.discord.com/api/webhooks/" + id + "/" + token,
		"upper-case host":   "https://Discord.com/api/webhooks/" + id + "/" + token,
		"upper-case scheme": "HTTPS://discord.com/api/webhooks/" + id + "/" + token,
	}
	for name, raw := range good {
		t.Run(name, func(t *testing.T) {
			w, err := discord.ParseURL(raw)
			require.NoError(t, err)
			require.Equal(t, discord.Webhook{ID: id, Token: token}, w)
		})
	}
	path := "/api/webhooks/" + id + "/" + token
	for name, raw := range map[string]string{
		"http":               "http://discord.com" + path,
		"other host":         "https://evil.example" + path,
		"suffix host":        "https://discord.com.evil.example" + path,
		"prefix host":        "https://evildiscord.com" + path,
		"other subdomain":    "https://api.discord.com" + path,
		"trailing dot":       "https://discord.com." + path,
		"userinfo":           "https://user:pw@discord.com" + path,
		"userinfo host":      "https://discord.com@evil.example" + path,
		"port":               "https://discord.com:8443" + path,
		"port 443":           "https://discord.com:443" + path,
		"empty port":         "https://discord.com:" + path,
		"ipv4":               "https://162.159.135.232" + path,
		"ipv6":               "https://[::1]" + path,
		"loopback":           "https://127.0.0.1" + path,
		"query":              "https://discord.com" + path + "?wait=true",
		"empty query":        "https://discord.com" + path + "?",
		"fragment":           "https://discord.com" + path + "#x",
		"not a webhook":      "https://discord.com/api/channels/" + id + "/messages",
		"extra segment":      "https://discord.com" + path + "/slack",
		"dot segments":       "https://discord.com/api/webhooks/../webhooks/" + id + "/" + token,
		"short id":           "https://discord.com/api/webhooks/123/" + token,
		"short token":        "https://discord.com/api/webhooks/" + id + "/abc",
		"escaped":            "https://discord.com/api/webhooks/" + id + "/%41" + token,
		"cyrillic o":         "https://disc\u043erd.com" + path,
		"fullwidth dot":      "https://discord\uff0ecom" + path,
		"punycode":           "https://xn--discrd-7we.com" + path,
		"backslash":          "https://discord.com\\@evil.example" + path,
		"space":              "https://discord.com" + path + " ",
		"newline":            "https://discord.com" + path + "\n",
		"no scheme":          "//discord.com" + path,
		"relative":           path,
		"opaque":             "https:discord.com" + path,
		"javascript":         "javascript:alert(1)",
		"empty":              "",
		"long":               "https://discord.com/api/webhooks/" + id + "/" + strings.Repeat("a", 600),
		"long token in path": "https://discord.com/api/webhooks/" + id + "/" + strings.Repeat("a", 101),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := discord.ParseURL(raw)
			require.Error(t, err)
			require.Contains(t, err.Error(), "webhook_url")
		})
	}
}
