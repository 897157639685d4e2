// Package api serves the platform's REST api with Fiber: middleware, the
// one error handler, the OpenAPI document and the handlers.
package api

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Deps are what the api needs; Redis is nil in the embedded mode.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Auth     *auth.Service
	Temporal client.Client
	Redis    *redis.Client
	Hub      *realtime.Hub
	Notify   *notify.Notifier
	Mailer   *notify.Mailer
	Pusher   *notify.Pusher // nil when push is off
	Billing  billing.Provider
	Blobs    blobs.Store   // attachments
	Limiter  fiber.Storage // rate-limit counters: memory or Redis
	Metrics  *prometheus.Registry
	Log      *slog.Logger
}

// Server is the HTTP api.
type Server struct {
	Deps
	app         *fiber.App
	tokens      *auth.Tokens
	notifyLocks [256]sync.Mutex // striped by conversation: see notifyOffline
}

// New builds the api with every middleware and route.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, tokens: d.Auth.Tokens}
	s.app = fiber.New(fiber.Config{
		AppName: "fanfare",
		// Uploads may be larger than other bodies; bodyLimit holds the rest
		// to BODY_LIMIT.
		BodyLimit: max(d.Config.BodyLimit, d.Config.AttachmentMaxBytes+64<<10),
		// Release a connection's buffers between requests: a WebSocket then
		// keeps none of the HTTP server's buffers for its whole life.
		ReduceMemoryUsage:     true,
		ErrorHandler:          errorHandler(d.Log),
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	s.app.Use(
		requestid.New(requestid.Config{Generator: func() string { return uuid.NewString() }}),
		deadline(d.Config.RequestTimeout),
		newHTTPMetrics(d.Metrics).handler,
		accessLog(d.Log),
		recover.New(),
		helmet.New(),
		cors.New(cors.Config{
			AllowOrigins:  strings.Join(d.Config.CORSOrigins, ","),
			AllowMethods:  "GET,POST,PUT,PATCH,DELETE",
			AllowHeaders:  "Authorization,Content-Type,Idempotency-Key,X-Request-ID",
			ExposeHeaders: "X-Request-ID,Retry-After",
			MaxAge:        600,
		}),
		compress.New(compress.Config{Level: compress.LevelBestSpeed}),
		rateLimit(d.Config.RateLimit, d.Limiter, "rl:all:"),
		s.bodyLimit,
	)
	r := newRoutes(s.app)
	s.healthRoutes(r)
	s.authRoutes(r)
	s.meRoutes(r)
	s.artistRoutes(r)
	s.clubRoutes(r)
	s.membershipRoutes(r)
	s.sandboxRoutes(r)
	s.messageRoutes(r)
	s.attachmentRoutes(r)
	s.realtimeRoutes(r)
	s.notificationRoutes(r)
	s.announcementRoutes(r)
	s.pushRoutes(r)
	s.webhookRoutes(r)
	if err := r.serveDocs(); err != nil {
		return nil, err
	}
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})))
	return s, nil
}

// bodyLimit refuses bodies over BODY_LIMIT but on the upload route.
func (s *Server) bodyLimit(c *fiber.Ctx) error {
	if len(c.Body()) > s.Config.BodyLimit && c.Path() != attachmentsPath {
		return models.Errorf(models.CodeTooLarge, "the body is over %d bytes", s.Config.BodyLimit)
	}
	return c.Next()
}

// App exposes the Fiber app, for tests and the route listing.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }
