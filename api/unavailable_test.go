package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// answerBound is far above the few seconds a 503 takes and far below the
// minute a request hung for before (the bug was a hang, not slowness).
const answerBound = 15 * time.Second

// requireUnavailable checks a request that needs a dependency that is down:
// 503 unavailable with Retry-After, answered well before any balancer's
// timeout.
func requireUnavailable(t *testing.T, send func() testenv.Response) {
	t.Helper()
	start := time.Now()
	r := send()
	require.Less(t, time.Since(start), answerBound, "answered instead of hanging")
	require.Equal(t, http.StatusServiceUnavailable, r.Status, string(r.Body))
	require.Equal(t, "unavailable", r.ErrorCode(t))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
}

// requireRecovers retries a request until it gets want, with no restart of
// the api.
func requireRecovers(t *testing.T, want int, send func() testenv.Response) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		r := send()
		assert.Equal(c, want, r.Status, "the api did not recover: %s", r.Body)
	}, 90*time.Second, 250*time.Millisecond)
}

// With the Temporal server stopped, joining a club (Update-with-Start)
// answers 503 at once instead of hanging while reads keep working; with
// the server back on the same port and database, the same request succeeds.
func TestTemporalDownAnswers503AndRecovers(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	path := "/api/artists/" + artist.User.ID
	// A client retries a 503 with the same Idempotency-Key: a join that
	// went through after the api stopped waiting answers the retry.
	subscribe := func() testenv.Response {
		req, err := http.NewRequest(http.MethodPost, app.URL+path+"/subscription", strings.NewReader(`{"tier":"superfan"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fan.AccessToken)
		req.Header.Set("Idempotency-Key", "join-1")
		return app.Send(t, req)
	}

	temporal.Stop()
	requireUnavailable(t, subscribe)
	requireUnavailable(t, func() testenv.Response {
		return app.Do(t, http.MethodPatch, path+"/subscription", fan.AccessToken, map[string]any{"tier": "supporter"})
	})
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, path, fan.AccessToken, nil).Status, "reads need no Temporal")

	temporal.Start()
	requireRecovers(t, http.StatusCreated, subscribe)
}

// With Redis killed, a route that needs it (the single-use socket
// tickets) answers 503 quickly; with Redis back, it works again.
func TestRedisDownAnswers503AndRecovers(t *testing.T) {
	redis := testenv.StartRedis(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.RedisURL, c.RedisPrefix = redis.URL, "t:" }))
	fan := app.Register(t, "fan", "Kai")
	ticket := func() testenv.Response {
		return app.Do(t, http.MethodPost, "/api/realtime/ticket", fan.AccessToken, nil)
	}
	require.Equal(t, http.StatusOK, ticket().Status)

	redis.Stop()
	requireUnavailable(t, ticket)

	redis.Start()
	requireRecovers(t, http.StatusOK, ticket)
}

// With PostgreSQL unreachable (the api's connections go through a proxy
// the test cuts), a read answers 503; with the proxy back, it works again.
func TestDatabaseDownAnswers503AndRecovers(t *testing.T) {
	u, err := url.Parse(testenv.PostgresURL(t))
	require.NoError(t, err)
	proxy := testenv.StartProxy(t, u.Host)
	u.Host = proxy.Addr
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.DatabaseURL = u.String() }))
	fan := app.Register(t, "fan", "Kai")
	me := func() testenv.Response { return app.Do(t, http.MethodGet, "/api/me", fan.AccessToken, nil) }
	require.Equal(t, http.StatusOK, me().Status)

	proxy.Down()
	requireUnavailable(t, me)

	proxy.Up()
	requireRecovers(t, http.StatusOK, me)
}
