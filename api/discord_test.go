package api_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/discord"
	"github.com/fanfare/fanfare/tooling/testenv"
)

const (
	hookID    = "112233445566778899"
	hookToken = "Zx9_secret-TOKEN_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
	hookURL   = "https://discord.com/api/webhooks/" + hookID + "/" + hookToken
)

type discordView struct {
	Set       bool   `json:"set"`
	WebhookID string `json:"webhook_id"`
	ChannelID string `json:"channel_id"`
	TokenHint string `json:"token_hint"`
}

func discordApp(t *testing.T) (*testenv.App, *testenv.Discord) {
	d := testenv.StartDiscord(t)
	return testenv.StartApp(t, testenv.WithDiscord(d), testenv.WithConfig(func(c *config.Config) {
		c.MessageRateLimit = 0
		c.DiscordSigningSecret = "relay-secret-for-tests-0123456789"
	})), d
}

// An artist sets their webhook once Discord says it exists; no answer
// ever shows its token (only its last four characters); a webhook
// Discord does not know is refused by its field; DELETE forgets it.
func TestDiscordWebhookIsSetCheckedAndNeverShown(t *testing.T) {
	app, d := discordApp(t)
	artist := app.Register(t, "artist", "Nova")
	path := "/api/artists/" + artist.User.ID + "/discord"

	var v discordView
	app.Do(t, http.MethodGet, path, artist.AccessToken, nil).Decode(t, &v)
	require.Equal(t, discordView{}, v, "none set")

	r := app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"webhook_url": hookURL})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.NotContains(t, string(r.Body), hookToken[:len(hookToken)-4])
	r.Decode(t, &v)
	require.Equal(t, discordView{Set: true, WebhookID: hookID, ChannelID: testenv.DiscordChannel, TokenHint: "…NOPQ"}, v)
	reqs := d.Requests()
	require.Len(t, reqs, 1, "Discord was asked")
	require.Equal(t, http.MethodGet, reqs[0].Method)
	require.Equal(t, "/api/webhooks/"+hookID+"/"+hookToken, reqs[0].Path)

	r = app.Do(t, http.MethodGet, path, artist.AccessToken, nil)
	require.NotContains(t, string(r.Body), hookToken[:len(hookToken)-4])
	r.Decode(t, &v)
	require.True(t, v.Set)

	t.Run("a webhook Discord does not know", func(t *testing.T) {
		d.Script(testenv.DiscordAnswer{Status: http.StatusNotFound, Body: `{"message":"Unknown Webhook","code":10015}`})
		requireField(t, app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"webhook_url": strings.Replace(hookURL, "1122", "9122", 1)}), "webhook_url")
		app.Do(t, http.MethodGet, path, artist.AccessToken, nil).Decode(t, &v)
		require.Equal(t, hookID, v.WebhookID, "the one set stays")
	})
	t.Run("Discord down", func(t *testing.T) {
		d.Script(testenv.DiscordAnswer{Status: http.StatusBadGateway, Body: `{}`})
		r := app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"webhook_url": hookURL})
		require.Equal(t, http.StatusServiceUnavailable, r.Status, string(r.Body))
	})
	t.Run("others", func(t *testing.T) {
		other, fan := app.Register(t, "artist", "Other"), app.Register(t, "fan", "Fan")
		for _, who := range []testenv.Session{other, fan} {
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
				r := app.Do(t, m, path, who.AccessToken, map[string]any{"webhook_url": hookURL})
				require.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", who.User.Role, m, r.Body)
			}
		}
		app.Do(t, http.MethodGet, path, artist.AccessToken, nil).Decode(t, &v)
		require.True(t, v.Set, "still set")
	})

	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, path, artist.AccessToken, nil).Status)
	v = discordView{}
	app.Do(t, http.MethodGet, path, artist.AccessToken, nil).Decode(t, &v)
	require.Equal(t, discordView{}, v)
}

// Every URL that is not one of Discord's webhook URLs is a 400 naming
// webhook_url, before anything is fetched or stored.
func TestDiscordWebhookURLValidation(t *testing.T) {
	app, d := discordApp(t)
	artist := app.Register(t, "artist", "Nova")
	path := "/api/artists/" + artist.User.ID + "/discord"
	p := "/api/webhooks/" + hookID + "/" + hookToken
	for name, raw := range map[string]any{
		"http":          "http://discord.com" + p,
		"other host":    "https://evil.example" + p,
		"look-alike":    "https://discord.com.evil.example" + p,
		"userinfo":      "https://discord.com@127.0.0.1" + p,
		"port":          "https://discord.com:8080" + p,
		"ipv4":          "https://127.0.0.1" + p,
		"ipv6":          "https://[::1]" + p,
		"metadata":      "https://169.254.169.254" + p,
		"query":         "https://discord.com" + p + "?thread_id=1",
		"long":          "https://discord.com" + p + strings.Repeat("a", 600),
		"unicode":       "https://disc\u043erd.com" + p,
		"not a webhook": "https://discord.com/api/users/@me",
		"empty":         "",
		"not a string":  42,
	} {
		t.Run(name, func(t *testing.T) {
			requireField(t, app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"webhook_url": raw}), "webhook_url")
		})
	}
	require.Empty(t, d.Requests(), "nothing was fetched")
	var v discordView
	app.Do(t, http.MethodGet, path, artist.AccessToken, nil).Decode(t, &v)
	require.False(t, v.Set, "nothing was stored")
}

// The announcer activities call (wired by the app as activities.Discord)
// posts to the artist's webhook on the local Discord: once per key, a
// failed post tried again by the next call, a deleted webhook a
// non-retryable error, nothing for an artist without a webhook.
func TestDiscordAnnounceFromTheActivitySide(t *testing.T) {
	app, d := discordApp(t)
	artist := app.Register(t, "artist", "Nova")
	artistID := uuid.MustParse(artist.User.ID)
	var announce activities.Discord = app.Platform.Discord
	msg := func(key string) activities.DiscordMessage {
		return activities.DiscordMessage{Content: "@everyone Nova is live: Night", URL: app.Platform.Config.PublicURL + "/p/1", Key: key}
	}
	posts := func() (n int, last testenv.DiscordRequest) {
		for _, r := range d.Requests() {
			if r.Method == http.MethodPost {
				n, last = n+1, r
			}
		}
		return n, last
	}

	require.NoError(t, announce.Announce(t.Context(), artistID, msg("party/1/live")), "no webhook: nothing to do")
	require.Empty(t, d.Requests())

	r := app.Do(t, http.MethodPut, "/api/artists/"+artist.User.ID+"/discord", artist.AccessToken, map[string]any{"webhook_url": hookURL})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	require.NoError(t, announce.Announce(t.Context(), artistID, msg("party/1/live")))
	require.NoError(t, announce.Announce(t.Context(), artistID, msg("party/1/live")), "a retry")
	n, last := posts()
	require.Equal(t, 1, n, "one post for one key")
	require.Equal(t, "/api/webhooks/"+hookID+"/"+hookToken, last.Path)
	require.Equal(t, "wait=true", last.Query)
	require.JSONEq(t, `{"content":"@everyone Nova is live: Night","embeds":[{"title":"Join the party","url":"`+app.Platform.Config.PublicURL+`/p/1"}],"allowed_mentions":{"parse":[]}}`, string(last.Body))
	require.NoError(t, discord.Verify([]byte(app.Platform.Config.DiscordSigningSecret), last.Header.Get(discord.SignatureHeader), last.Body, time.Now(), time.Hour))

	d.Script(testenv.DiscordAnswer{Status: http.StatusInternalServerError, Body: `{}`})
	err := announce.Announce(t.Context(), artistID, msg("party/2/live"))
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "a 5xx is retried")
	require.NoError(t, announce.Announce(t.Context(), artistID, msg("party/2/live")), "the retry posts")
	n, _ = posts()
	require.Equal(t, 3, n)

	d.Script(testenv.DiscordAnswer{Status: http.StatusNotFound, Body: `{"message":"Unknown Webhook","code":10015}`})
	err = announce.Announce(t.Context(), artistID, msg("party/3/live"))
	require.True(t, errors.As(err, &appErr), "%v", err)
	require.True(t, appErr.NonRetryable(), "a deleted webhook is not retried")
	require.NotContains(t, err.Error(), hookToken)
}

// Each webhook check is a request Discord may count against the server's
// address: DISCORD_CHECKS_PER_ARTIST an hour per artist, then
// DISCORD_CHECKS_PER_MINUTE for everyone, shared by the api instances
// (Redis). Past either: 429 rate_limited with Retry-After, nothing sent.
func TestDiscordChecksHaveABudget(t *testing.T) {
	d := testenv.StartDiscord(t)
	limits := testenv.WithConfig(func(c *config.Config) {
		c.MessageRateLimit, c.DiscordChecksPerArtist, c.DiscordChecksPerMinute = 0, 2, 3
	})
	one := testenv.StartApp(t, testenv.WithDiscord(d), limits)
	two := testenv.StartApp(t, testenv.Alongside(one), testenv.WithDiscord(d), limits)
	nova, ivy := one.Register(t, "artist", "Nova"), one.Register(t, "artist", "Ivy")
	put := func(app *testenv.App, who testenv.Session) testenv.Response {
		return app.Do(t, http.MethodPut, "/api/artists/"+who.User.ID+"/discord", who.AccessToken, map[string]any{"webhook_url": hookURL})
	}
	// The budgets count in fixed windows (a minute's turn is an hour's too).
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 15*time.Second {
		time.Sleep(left)
	}

	for _, app := range []*testenv.App{one, two} {
		r := put(app, nova)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	requireRateLimited(t, put(one, nova))
	require.Len(t, d.Requests(), 2, "Nova's third check was not sent")

	r := put(two, ivy)
	require.Equal(t, http.StatusOK, r.Status, "Nova's refused check spent nothing of everyone's: %s", r.Body)
	requireRateLimited(t, put(one, ivy))
	require.Len(t, d.Requests(), 3, "everyone's budget is spent across both instances: nothing sent")
}

// A webhook Discord refused is refused again from memory (400 naming
// webhook_url, nothing sent), by id and token: an artist who checks
// another's webhook id with a wrong token does not lock its owner out.
// Discord's 429 is a 429 with its wait, and a retry while it holds sends
// nothing.
func TestDiscordRefusalsAreRemembered(t *testing.T) {
	app, d := discordApp(t)
	nova, intruder := app.Register(t, "artist", "Nova"), app.Register(t, "artist", "Intruder")
	put := func(who testenv.Session, url string) testenv.Response {
		return app.Do(t, http.MethodPut, "/api/artists/"+who.User.ID+"/discord", who.AccessToken, map[string]any{"webhook_url": url})
	}
	wrong := strings.Replace(hookURL, hookToken, "x"+hookToken[1:], 1)

	d.Script(testenv.DiscordAnswer{Status: http.StatusUnauthorized, Body: `{"message":"Invalid Webhook Token","code":50027}`})
	for range 1 + app.Platform.Config.DiscordChecksPerArtist {
		requireField(t, put(intruder, wrong), "webhook_url")
	}
	require.Len(t, d.Requests(), 1, "the repeats were answered from memory, and spent none of the artist's checks")

	r := put(nova, hookURL)
	require.Equal(t, http.StatusOK, r.Status, "the right token is checked: %s", r.Body)
	require.Len(t, d.Requests(), 2)

	d.Script(testenv.DiscordAnswer{Status: http.StatusTooManyRequests, Body: `{"message":"You are being rate limited.","retry_after":30,"global":false}`})
	other := strings.Replace(hookURL, "1122", "9122", 1)
	for range 2 {
		r := put(nova, other)
		requireRateLimited(t, r)
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err)
		require.InDelta(t, 30, retry, 2, "Discord's wait")
	}
	require.Len(t, d.Requests(), 3, "one check sent: the retry met the held bucket")
}
