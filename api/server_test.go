package api_test

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestOpenAPIListsEveryRoute(t *testing.T) {
	app := testenv.StartApp(t)
	srv, err := app.Platform.API()
	require.NoError(t, err)

	r := app.Do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	r.Decode(t, &doc)
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}

	var served []string
	for _, rt := range srv.App().GetRoutes(true) {
		if rt.Method == http.MethodHead || rt.Path == "/openapi.json" || strings.HasPrefix(rt.Path, "/docs") || rt.Path == "/metrics" || rt.Path == "/" {
			continue
		}
		p := rt.Path
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		served = append(served, rt.Method+" "+p)
	}
	slices.Sort(served)
	slices.Sort(documented)
	require.Equal(t, slices.Compact(served), documented)
	require.Contains(t, documented, "POST /api/auth/register")

	docs := app.Do(t, http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, docs.Status)
	require.Contains(t, string(docs.Body), "swagger-ui")
}

func TestMiddleware(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.CORSOrigins = []string{"https://app.fanfare.test"}
	}))

	t.Run("request id and security headers", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/healthz", "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.NotEmpty(t, r.Header.Get("X-Request-ID"))
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
		require.NotEmpty(t, r.Header.Get("X-Frame-Options"))
	})

	t.Run("cors allowlist", func(t *testing.T) {
		preflight := func(origin string) http.Header {
			req, _ := http.NewRequest(http.MethodOptions, app.URL+"/api/me", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "Authorization")
			return app.Send(t, req).Header
		}
		require.Equal(t, "https://app.fanfare.test", preflight("https://app.fanfare.test").Get("Access-Control-Allow-Origin"))
		require.Empty(t, preflight("https://evil.example").Get("Access-Control-Allow-Origin"))
	})

	t.Run("unknown route", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/api/nope", "", nil)
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, "not_found", r.ErrorCode(t))
	})

	t.Run("compression", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/openapi.json", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	})

	t.Run("readiness", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/readyz", "", nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.JSONEq(t, `{"status":"ready"}`, string(r.Body))
	})

	t.Run("metrics", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/metrics", "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Contains(t, string(r.Body), `fanfare_http_requests_total{method="GET",route="/healthz",status="200"}`)
		require.Contains(t, string(r.Body), "go_sql_max_open_connections")
	})
}

// A failed check is named, its error only logged: the answer tells an
// outsider nothing about the infrastructure.
func TestReadinessFailsWhenADependencyIsDown(t *testing.T) {
	app := testenv.StartApp(t)
	require.NoError(t, app.Platform.Redis.Close())
	r := app.Do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status)
	require.JSONEq(t, `{"status":"unavailable","failed":["redis"]}`, string(r.Body))
}

// With METRICS_ADDR, /metrics is served there and not on the api's address.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // a free port for the platform to take
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.MetricsAddr = addr }))

	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, "/healthz", "", nil).Status)
	r := app.Do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusNotFound, r.Status, "not on the public listener")
	var body string
	require.Eventually(t, func() bool { // the platform starts serving after StartApp returns
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err == nil && resp.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond)
	require.Contains(t, body, `fanfare_http_requests_total{method="GET",route="/healthz",status="200"}`)
}

func TestRateLimits(t *testing.T) {
	for name, opts := range map[string][]testenv.Option{"redis": nil, "memory": {testenv.WithoutRedis()}} {
		t.Run(name, func(t *testing.T) {
			app := testenv.StartApp(t, append(opts, testenv.WithConfig(func(c *config.Config) {
				c.RateLimit, c.AuthRateLimit = 100, 3
			}))...)
			// The limits count in fixed minute windows (internal/ratelimit):
			// four logins across a minute's turn would meet two windows.
			if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 15*time.Second {
				time.Sleep(left)
			}
			body := map[string]string{"email": "x@example.com", "password": "whatever-it-is"}
			for range 3 {
				require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodPost, "/api/auth/login", "", body).Status)
			}
			r := app.Do(t, http.MethodPost, "/api/auth/login", "", body)
			require.Equal(t, http.StatusTooManyRequests, r.Status)
			require.Equal(t, "rate_limited", r.ErrorCode(t))
			require.NotEmpty(t, r.Header.Get("Retry-After"))
			// The general limit is separate and still has room.
			require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, "/healthz", "", nil).Status)
		})
	}
}
