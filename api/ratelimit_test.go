package api_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// healthz sends GET /healthz with the given X-Forwarded-For lines.
func healthz(t *testing.T, app *testenv.App, forwarded ...string) testenv.Response {
	req, err := http.NewRequest(http.MethodGet, app.URL+"/healthz", nil)
	require.NoError(t, err)
	for _, f := range forwarded {
		req.Header.Add("X-Forwarded-For", f)
	}
	return app.Send(t, req)
}

func requireRateLimited(t *testing.T, r testenv.Response) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.Equal(t, "rate_limited", r.ErrorCode(t))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
}

// trusting runs the app behind the given proxies with 3 requests a minute
// per client. Tests reach the api from 127.0.0.1: trusting 127.0.0.0/8
// makes the test client the proxy.
func trusting(cidrs ...string) testenv.Option {
	return testenv.WithConfig(func(c *config.Config) {
		c.RateLimit = 3
		for _, p := range cidrs {
			c.TrustedProxies = append(c.TrustedProxies, netip.MustParsePrefix(p))
		}
	})
}

func TestRateLimitsBehindAProxy(t *testing.T) {
	behind := testenv.StartApp(t, trusting("127.0.0.0/8", "10.0.0.0/8"))
	for name, tc := range map[string]struct {
		spend, then []string // three requests with spend's lines, then one with then's
		limited     bool
	}{
		"clients have separate buckets":             {spend: []string{"198.51.100.1"}, then: []string{"198.51.100.2"}},
		"the same client is limited":                {spend: []string{"198.51.100.3"}, then: []string{"198.51.100.3"}, limited: true},
		"a spoofed left-most entry changes nothing": {spend: []string{"203.0.113.1, 198.51.100.4"}, then: []string{"203.0.113.2, 198.51.100.4"}, limited: true},
		"trusted hops are skipped":                  {spend: []string{"198.51.100.5, 10.0.0.9"}, then: []string{"198.51.100.5"}, limited: true},
		"several header lines are one list":         {spend: []string{"203.0.113.3", "198.51.100.6"}, then: []string{"198.51.100.6"}, limited: true},
		"IPv6 clients in one /64 share a bucket":    {spend: []string{"2001:db8:1:2::1"}, then: []string{"2001:db8:1:2:ffff::9"}, limited: true},
		"IPv6 clients in two /64s do not":           {spend: []string{"2001:db8:1:4::1"}, then: []string{"2001:db8:1:5::1"}},
	} {
		t.Run(name, func(t *testing.T) {
			for range 3 {
				require.Equal(t, http.StatusOK, healthz(t, behind, tc.spend...).Status)
			}
			r := healthz(t, behind, tc.then...)
			if tc.limited {
				requireRateLimited(t, r)
			} else {
				require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			}
		})
	}

	t.Run("from an untrusted peer the header is ignored", func(t *testing.T) {
		direct := testenv.StartApp(t, trusting("10.0.0.0/8"))
		for _, client := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			require.Equal(t, http.StatusOK, healthz(t, direct, client).Status)
		}
		requireRateLimited(t, healthz(t, direct, "198.51.100.4"))
	})
}

// Refreshes count against the token's family, not the address: the users
// behind one address refresh independently; an unknown token counts
// against the address's auth limit.
func TestRefreshLimitPerFamily(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.AuthRateLimit, c.RefreshRateLimit = 3, 2
	}))
	a, b := app.Register(t, "fan", "A"), app.Register(t, "fan", "B") // 2 of the address's 3
	refresh := func(token string) testenv.Response {
		return app.Do(t, http.MethodPost, "/api/auth/refresh", "", map[string]string{"refresh_token": token})
	}
	token := a.RefreshToken
	for range 2 {
		r := refresh(token)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var s testenv.Session
		r.Decode(t, &s)
		token = s.RefreshToken
	}
	requireRateLimited(t, refresh(token))
	require.Equal(t, http.StatusOK, refresh(b.RefreshToken).Status, "another family from the same address")

	login := app.Do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": a.User.Email, "password": testenv.TestPassword})
	require.Equal(t, http.StatusOK, login.Status, "the refreshes took nothing from the address's auth limit")
	requireRateLimited(t, refresh("not-a-token"))
}

// After 5 failures for an email each further sign-in waits 1 s, then 2 s,
// on every api instance and from every address, whether or not the account
// exists; a success starts over.
func TestLoginBackoff(t *testing.T) {
	one := testenv.StartApp(t, trusting("127.0.0.0/8"), testenv.WithConfig(func(c *config.Config) { c.RateLimit = 0 }))
	two := testenv.StartApp(t, testenv.Alongside(one), trusting("127.0.0.0/8"), testenv.WithConfig(func(c *config.Config) { c.RateLimit = 0 }))
	user := one.Register(t, "fan", "Victim")
	n := 0
	login := func(email, password string) testenv.Response {
		n++
		app := []*testenv.App{one, two}[n%2]
		req, err := http.NewRequest(http.MethodPost, app.URL+"/api/auth/login",
			strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", netip.AddrFrom4([4]byte{198, 51, 100, byte(n)}).String())
		return app.Send(t, req)
	}
	for _, email := range []string{user.User.Email, "nobody-" + user.User.ID + "@example.com"} {
		for range 5 {
			r := login(email, "wrong password, wrong")
			require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
		}
		r := login(email, testenv.TestPassword)
		requireRateLimited(t, r)
		require.Equal(t, "1", r.Header.Get("Retry-After"))
	}

	email := strings.ToUpper(user.User.Email) // the same account
	require.Eventually(t, func() bool { return login(email, "wrong password, wrong").Status != http.StatusTooManyRequests },
		10*time.Second, 100*time.Millisecond)
	r := login(email, testenv.TestPassword)
	requireRateLimited(t, r)
	require.Equal(t, "2", r.Header.Get("Retry-After"), "the wait doubles")
	require.Eventually(t, func() bool { return login(email, testenv.TestPassword).Status == http.StatusOK },
		10*time.Second, 100*time.Millisecond)
	for range 5 {
		require.Equal(t, http.StatusUnauthorized, login(email, "wrong password, wrong").Status, "a success starts over")
	}
}

// Every key the app writes to Redis is under its REDIS_PREFIX, so two
// deployments sharing a Redis share neither limits nor stored answers. The
// app runs on a Redis database of its own, so the keys other tests write
// do not count.
func TestRedisKeysStayUnderThePrefix(t *testing.T) {
	u, err := url.Parse(testenv.RedisURL())
	require.NoError(t, err)
	u.Path = "/15"
	opts, err := redis.ParseURL(u.String())
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	keys := func(match string) []string {
		var out []string
		iter := rdb.Scan(ctx, 0, match, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		require.NoError(t, iter.Err())
		return out
	}
	before := keys("*")

	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.RedisURL = u.String()
		c.RateLimit, c.AuthRateLimit = 100, 100
	}))
	prefix := app.Platform.Config.RedisPrefix
	t.Cleanup(func() {
		for _, k := range keys(prefix + "*") {
			rdb.Del(ctx, k)
		}
	})
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodPost, "/api/auth/login", "", map[string]string{"email": fan.User.Email, "password": "wrong password, wrong"}).Status)
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/auth/refresh", "", map[string]string{"refresh_token": fan.RefreshToken}).Status)
	req, err := http.NewRequest(http.MethodPost, app.URL+"/api/artists/"+artist.User.ID+"/subscription", strings.NewReader(`{"tier":"supporter"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+fan.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "join-1")
	require.Equal(t, http.StatusCreated, app.Send(t, req).Status)
	app.Dial(t, fan.AccessToken) // a ticket, presence, the user's room

	written := slices.DeleteFunc(keys("*"), func(k string) bool { return slices.Contains(before, k) })
	for _, k := range written {
		require.True(t, strings.HasPrefix(k, prefix), "key %q is outside the prefix %q", k, prefix)
	}
	require.NotEmpty(t, keys(prefix+"rl:*"), "the limits are in Redis")
	require.NotEmpty(t, keys(prefix+"idem:*"), "the answer is in Redis")
}
