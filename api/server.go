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
	"github.com/valyala/fasthttp"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/internal/auth"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/discord"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/partysync"
	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/membership"
	"github.com/fanfare/fanfare/messaging"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/notifier"
	"github.com/fanfare/fanfare/perks"
)

// Deps are what the api needs; Redis is nil in the embedded mode.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Auth     *auth.Service
	Temporal client.Client
	Redis    *redis.Client
	Hub      *realtime.Hub
	Notify   *notifier.Notifier
	Mailer   *notify.Mailer
	Pusher   *notify.Pusher // nil when push is off
	Billing  billing.Provider
	Blobs    blobs.Store       // attachments
	Limiter  ratelimit.Limiter // rate limits and back-offs: memory or Redis
	Metrics  *prometheus.Registry
	Log      *slog.Logger
	// PartySync publishes party:sync and keeps the latest for joiners;
	// the worker's activities share it.
	PartySync partysync.Syncer
	Discord   *discord.Client // checks artists' webhooks
	// Counters are the engagement engine's hot counters (the studio's live
	// counts, seen ids, listening watermarks) and EngagementBuffer the
	// queue of accepted client events the worker's flush drains; in Redis
	// when instances share it.
	Counters         counters.Counters
	EngagementBuffer counters.Buffer
	// WakeMilestones asks the milestone dispatcher for a round now, after
	// an act that may have crossed one; nil or a no-op without a worker
	// in the process.
	WakeMilestones func()
}

// Server is the HTTP api.
type Server struct {
	Deps
	app       *fiber.App
	tokens    *auth.Tokens
	dm        *messaging.Messages  // the direct-message use cases
	member    *membership.Commands // the membership commands
	qa        *perks.QA            // the monthly Q&A
	backstage *perks.Backstage     // the backstage feed
	live      *perks.Live          // live sessions
	scores    *engagement.Scores   // scores, leaderboards, standings
	analytics *analytics.Analytics // the artist's dashboard
	seats     realtime.Seats       // party rooms' seats, across instances
	rosters   *partyRosters        // party arrivals and departures, batched to their workflows
	stop      chan struct{}        // closed by Shutdown: tickers end
	stopOnce  sync.Once
	ingest    *engagement.Ingest // client engagement events
}

// New builds the api with every middleware and route.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, tokens: d.Auth.Tokens, stop: make(chan struct{})}
	// The use cases read the clock through Auth, which tests may move.
	now := func() time.Time { return s.Auth.Now() }
	s.dm = &messaging.Messages{Store: d.Store, Hub: d.Hub, Notify: d.Notify, Log: d.Log, Now: now}
	s.member = &membership.Commands{Store: d.Store, Billing: d.Billing, Workflows: s.memberships(), Timeout: d.Config.TemporalCallTimeout, Now: now}
	s.qa = &perks.QA{Store: d.Store, Notify: d.Notify, Now: now}
	s.backstage = &perks.Backstage{Store: d.Store, Now: now}
	s.live = &perks.Live{Store: d.Store, Notify: d.Notify, Now: now}
	s.scores = &engagement.Scores{Store: d.Store, Now: now}
	s.analytics = &analytics.Analytics{Store: d.Store, Now: now}
	s.ingest = &engagement.Ingest{Store: d.Store, Counters: d.Counters, Buffer: d.EngagementBuffer, Now: now}
	s.app = fiber.New(fiber.Config{
		AppName: "fanfare",
		// The default; bodyLimitOf raises it for the routes that need more.
		BodyLimit: d.Config.BodyLimit,
		// Release a connection's buffers between requests: a WebSocket then
		// keeps none of the HTTP server's buffers for its whole life.
		ReduceMemoryUsage:     true,
		ErrorHandler:          errorHandler(d.Log),
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	// fasthttp reads (and reserves room for) the whole body before any
	// handler runs, so the limit is set per request from its headers.
	s.app.Server().HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		return fasthttp.RequestConfig{MaxRequestBodySize: s.bodyLimitOf(string(h.Method()), string(h.RequestURI()))}
	}
	s.app.Server().ErrorHandler = lingerOnRefusal(s.app.Server().ErrorHandler)
	s.app.Use(
		s.resolveClient,
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
		s.addrLimit("all", d.Config.RateLimit),
		refuseEncodedBodies,
		s.wakeMilestones,
	)
	r := newRoutes(s.app)
	s.healthRoutes(r)
	s.authRoutes(r)
	s.meRoutes(r)
	s.artistRoutes(r)
	s.clubRoutes(r)
	s.contentRoutes(r)
	s.membershipRoutes(r)
	s.sandboxRoutes(r)
	s.messageRoutes(r)
	s.attachmentRoutes(r)
	s.realtimeRoutes(r)
	s.notificationRoutes(r)
	s.announcementRoutes(r)
	s.pushRoutes(r)
	s.webhookRoutes(r)
	s.qaRoutes(r)
	s.backstageRoutes(r)
	s.liveRoutes(r)
	s.partyRoutes(r)
	s.partyChatRoutes(r)
	s.partyShareRoutes(r)
	s.discordRoutes(r)
	s.engagementRoutes(r)
	s.analyticsRoutes(r)
	s.rewardRoutes(r)
	s.engagementEventRoutes(r)
	// Real-time features: their room kinds, frames and hooks (docs/realtime.md).
	s.messagingRealtime(d.Hub)
	s.backstageRealtime(d.Hub)
	s.artistRealtime(d.Hub)
	s.qaRealtime(d.Hub)
	s.liveRealtime(d.Hub)
	s.partyRealtime(d.Hub)
	s.partySyncRealtime(d.Hub)
	s.partyChatRealtime(d.Hub)
	s.engagementRealtime(d.Hub)
	if err := r.serveDocs(); err != nil {
		return nil, err
	}
	if d.Config.MetricsAddr == "" { // else the platform serves it there
		s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})))
	}
	return s, nil
}

// webhookBodyLimit fits SendGrid's event batches (up to 768 KB).
const webhookBodyLimit = 1 << 20

// bodyLimitOf is the most bytes the request line's route may receive on the
// wire: BODY_LIMIT, but for uploads, webhooks and engagement batches. The path is compared as
// sent, so any other spelling of a large route only gets the default.
func (s *Server) bodyLimitOf(method, uri string) int {
	path, _, _ := strings.Cut(uri, "?")
	switch {
	case method != fiber.MethodPost:
	case path == attachmentsPath:
		return s.Config.AttachmentMaxBytes + 64<<10 // and the multipart framing
	case contentMediaPath.MatchString(path):
		return s.Config.ContentMediaMaxBytes + 64<<10
	case path == sendGridWebhookPath, path == stripeWebhookPath:
		return max(s.Config.BodyLimit, webhookBodyLimit)
	case path == engagementEventsPath:
		return max(s.Config.BodyLimit, engagementEventsBodyLimit)
	}
	return s.Config.BodyLimit
}

// refuseEncodedBodies answers 415 to a request with a Content-Encoding
// header (any value, any number of them) before anything reads its body:
// Fiber's c.Body() inflates gzip, br and deflate, stacked, without a limit,
// so a 1 MB body could take gigabytes.
func refuseEncodedBodies(c *fiber.Ctx) error {
	if len(c.Request().Header.PeekAll(fiber.HeaderContentEncoding)) > 0 {
		return models.Errorf(models.CodeUnsupported, "compressed request bodies (Content-Encoding) are not accepted")
	}
	return c.Next()
}

// App exposes the Fiber app, for tests and the route listing.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers on ln until Shutdown; a refused request's connection
// lingers (linger.go).
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(lingeringListener{ln}) }

// Shutdown stops accepting connections, waits for requests in flight and
// stops the server's tickers.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stop) })
	return s.app.ShutdownWithContext(ctx)
}
