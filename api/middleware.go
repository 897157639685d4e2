package api

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/models"
)

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// deadline gives every request's context a deadline, so no call to the
// database, Redis or Temporal waits on a service that is down for longer
// (the error handler answers such a timeout with 503). A WebSocket makes
// its own context after the upgrade; a streamed body outlives the handler
// and needs one of its own (see attachment).
func deadline(d time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Answer now so the line below logs the final status.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		level := slog.LevelInfo
		if p := c.Route().Path; p == "/healthz" || p == "/readyz" || p == "/metrics" {
			level = slog.LevelDebug
		}
		log.LogAttrs(c.UserContext(), level, "http request",
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", clientAddrOf(c).String()),
		)
		return nil
	}
}

// httpMetrics counts requests and their latency by route template.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fanfare_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fanfare_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *httpMetrics) handler(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	// Fiber's strings point into buffers it reuses, and the registry keeps
	// label values: copy them. The route is the template, so ids do not
	// explode the label set.
	method, route := strings.Clone(c.Method()), strings.Clone(c.Route().Path)
	status := c.Response().StatusCode()
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	return err
}

// addrLimit allows max requests a minute per client address; 0 turns it off.
func (s *Server) addrLimit(class string, max int) fiber.Handler {
	return s.rateLimit(class, max, func(c *fiber.Ctx) string { return addrKey(clientAddrOf(c)) })
}

// userKey limits per signed-in user (place after authenticate).
func userKey(c *fiber.Ctx) string {
	p, _ := caller(c)
	return p.UserID.String()
}

// rateLimit allows max requests a minute per key; 0 turns it off.
func (s *Server) rateLimit(class string, max int, key func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.allow(c, class+":"+key(c), max); err != nil {
			return err
		}
		return c.Next()
	}
}

// allow counts one request of key; over max a minute it answers 429
// rate_limited with Retry-After. A max of 0 turns the limit off.
func (s *Server) allow(c *fiber.Ctx, key string, max int) error {
	return s.allowIn(c, key, max, time.Minute)
}

// allowIn is allow with a window other than a minute.
func (s *Server) allowIn(c *fiber.Ctx, key string, max int, window time.Duration) error {
	if max == 0 {
		return nil
	}
	d, err := s.Limiter.Allow(c.UserContext(), key, max, window)
	if err != nil {
		return err
	}
	return refused(d)
}

// refused is the error of a refused decision, nil for an allowed one.
func refused(d ratelimit.Decision) error {
	if d.Allowed {
		return nil
	}
	e := models.Errorf(models.CodeRateLimited, "too many requests; retry in %s", d.RetryAfter.Round(time.Second))
	e.RetryAt = time.Now().Add(d.RetryAfter)
	return e
}
