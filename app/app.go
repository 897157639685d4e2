package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/api"
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
	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/notifier"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

// Platform is the connected system.
type Platform struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *store.Store
	Redis    *redis.Client // nil in the embedded mode
	Temporal client.Client
	Metrics  *prometheus.Registry
	Auth     *auth.Service
	Hub      *realtime.Hub
	Notify   *notifier.Notifier
	Mailer   *notify.Mailer
	Pusher   *notify.Pusher // nil when push is off
	Billing  billing.Provider
	Blobs    blobs.Store
	Discord  activities.Discord // artists' webhooks, as activities call them
	senders  map[models.Channel]activities.Sender
	discord  *discord.Client
	api      *api.Server

	// Milestones delivers milestones from their rows; it runs with the
	// worker, and an api in the same process wakes it.
	Milestones *engagement.Deliverer

	// PartySync is shared by the api and the worker: in one process without
	// Redis they share its memory cache.
	PartySync partysync.Syncer
	// Counters are engagement's hot counters; EngagementBuffer is the queue
	// the api fills with accepted client events and the worker's flush
	// drains: one Redis stream, or in one process without Redis one
	// memory buffer both share.
	Counters         counters.Counters
	EngagementBuffer counters.Buffer
}

// Open connects to every service the config names.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Platform, error) {
	p := &Platform{Config: cfg, Log: log, Metrics: prometheus.NewRegistry()}
	if err := p.open(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Platform) open(ctx context.Context) error {
	secret, err := jwtSecret(p.Config)
	if err != nil {
		return err
	}
	// Process-wide, and taken by the first worker made in the process.
	sdkworker.SetStickyWorkflowCacheSize(p.Config.TemporalWorkflowCache)
	p.Store, err = store.Open(ctx, p.Config.DatabaseURL, store.Options{
		MaxOpenConns: p.Config.DBMaxOpenConns, MaxIdleConns: p.Config.DBMaxIdleConns,
		ConnMaxLifetime: p.Config.DBConnMaxLifetime,
	}, p.Log.With("component", "gorm"))
	if err != nil {
		return err
	}
	if p.Config.RedisURL != "" {
		opts, _ := redis.ParseURL(p.Config.RedisURL) // validated with the config
		// A request's deadline bounds its Redis calls too (go-redis keeps to
		// its own read and write timeouts otherwise).
		opts.ContextTimeoutEnabled = true
		p.Redis = redis.NewClient(opts)
		if err := p.Redis.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("connect to redis: %w", err)
		}
	}
	p.Temporal, err = temporalx.Dial(ctx, p.Config.TemporalAddress, p.Config.TemporalNamespace, p.Log)
	if err != nil {
		return err
	}
	p.Auth = &auth.Service{
		Store:  p.Store,
		Tokens: auth.NewTokens(secret, p.Config.AccessTokenTTL, p.Config.RefreshTokenTTL),
		Now:    func() time.Time { return time.Now().UTC() },
	}
	p.Hub = realtime.NewHub(p.Redis, p.Config.RedisPrefix, realtime.Options{
		MaxConnsPerUser: p.Config.WSMaxConnsPerUser, MaxRoomsPerConn: p.Config.WSMaxRooms, SendQueue: p.Config.WSSendQueue,
		PingInterval: p.Config.WSPingInterval, PongTimeout: p.Config.WSPongTimeout,
	}, p.Metrics, p.Log.With("component", "realtime"))
	p.Counters = counters.New(p.Redis, p.Config.RedisPrefix+"eng:")
	p.PartySync = partysync.Syncer{Cache: partysync.NewCache(p.Redis, p.Config.RedisPrefix), Rooms: p.Hub.Publisher}
	p.Counters = counters.New(p.Redis, p.Config.RedisPrefix+"eng:")
	p.EngagementBuffer = counters.NewBuffer(p.Redis, p.Config.RedisPrefix+"eng:")
	p.Blobs = blobs.Disk{Dir: filepath.Join(p.Config.DataDir, "attachments")}
	if p.Config.S3Endpoint != "" {
		if p.Blobs, err = blobs.NewS3(ctx, p.Config.S3Endpoint, p.Config.S3Region, p.Config.S3Bucket,
			p.Config.S3AccessKey, p.Config.S3SecretKey, p.Config.S3Secure); err != nil {
			return err
		}
	}
	from, _ := mail.ParseAddress(p.Config.EmailFrom) // validated with the config
	p.Mailer = &notify.Mailer{
		Store: p.Store, APIKey: p.Config.SendGridAPIKey, Host: p.Config.SendGridURL,
		From: sgmail.NewEmail(from.Name, from.Address), PublicURL: p.Config.PublicURL, Secret: unsubscribeSecret(p.Config, secret), Now: p.Auth.Now,
	}
	channels := []models.Channel{models.ChannelEmail}
	p.senders = map[models.Channel]activities.Sender{models.ChannelEmail: p.Mailer}
	if pub, priv, err := vapidKeys(p.Config); err != nil {
		return err
	} else if pub != "" {
		p.Pusher = notify.NewPusher(p.Store, notify.PushConfig{PublicKey: pub, PrivateKey: priv, Subject: p.Config.VAPIDSubject,
			AllowHTTP: !p.Config.Production(), Allow: p.Config.PushDialAllow})
		p.Pusher.Now = p.Auth.Now
		channels = append(channels, models.ChannelPush)
		p.senders[models.ChannelPush] = p.Pusher
	} else {
		p.Log.Warn("web push is off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY")
	}
	p.Billing = &billing.Sandbox{Store: p.Store, Now: p.Auth.Now}
	if p.Config.BillingProvider == "stripe" {
		p.Billing = billing.NewStripe(p.Config.StripeSecretKey, p.Config.StripeURL)
	}
	p.Discord = partyDiscord{&discord.Announcer{Client: p.discordClient(), Store: p.Store, Now: p.Auth.Now}}
	p.Notify = &notifier.Notifier{
		Store: p.Store, Publisher: p.Hub.Publisher, Workflows: workflows.Conn{Client: p.Temporal, TaskQueue: p.Config.TemporalTaskQueue},
		Channels: channels, Log: p.Log.With("component", "notify"), Now: p.Auth.Now,
	}
	p.Milestones = engagement.NewDeliverer(p.Store, workflows.RewardClient{Conn: p.Notify.Workflows}, p.Notify,
		p.Log.With("component", "milestones"), p.Auth.Now)
	p.Metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(p.Store.SQL(), p.Store.Dialect()),
	)
	return nil
}

// API returns the HTTP api, built on first use.
func (p *Platform) API() (*api.Server, error) {
	if p.api != nil {
		return p.api, nil
	}
	var limiter ratelimit.Limiter = ratelimit.NewMemory(nil)
	if p.Redis != nil {
		limiter = ratelimit.NewRedis(p.Redis, p.Config.RedisPrefix+"rl:", nil)
	}
	var err error
	p.api, err = api.New(api.Deps{
		Config: p.Config, Store: p.Store, Auth: p.Auth, Temporal: p.Temporal,
		Redis: p.Redis, Hub: p.Hub, Notify: p.Notify, Mailer: p.Mailer, Pusher: p.Pusher, Billing: p.Billing, Blobs: p.Blobs, Limiter: limiter, Metrics: p.Metrics, Log: p.Log,
		PartySync:        p.PartySync,
		Discord:          p.discordClient(),
		Counters:         p.Counters,
		EngagementBuffer: p.EngagementBuffer,
		WakeMilestones:   p.Milestones.Wake,
	})
	return p.api, err
}

// Worker builds the Temporal worker with every workflow and activity.
func (p *Platform) Worker() sdkworker.Worker {
	broadcast := &activities.Broadcast{Store: p.Store, Publisher: p.Hub.Publisher, Online: p.Hub.Presence,
		Mailer: p.Mailer, Inboxes: p.Notify, Now: p.Auth.Now}
	if p.Pusher != nil { // a nil *Pusher in the interface would not be nil
		broadcast.Pusher = p.Pusher
	}
	return worker.New(p.Temporal, p.Config.TemporalTaskQueue, worker.Deps{
		Store: p.Store, Senders: p.senders, Broadcast: broadcast,
		Billing:   p.Billing,
		Notify:    p.Notify,
		Rooms:     p.Hub.Publisher,
		Blobs:     p.Blobs,
		PartySync: p.PartySync,
		// The notifier, as activities that announce use it.
		Broadcaster: p.Notify,
		PublicURL:   p.Config.PublicURL,
		Discord:     p.Discord,
		// The api's queue of accepted client events, which the flush drains.
		EngagementBuffer: p.EngagementBuffer,
	})
}

// Run serves the api on ln (when ln is not nil) and runs the worker (when
// withWorker) until ctx ends, then stops the api, then the worker.
func (p *Platform) Run(ctx context.Context, ln net.Listener, withWorker bool) error {
	if p.Config.MetricsAddr != "" {
		stop, err := p.serveMetrics()
		if err != nil {
			return err
		}
		defer stop()
	}
	if withWorker {
		// A stop that comes while the worker is still starting is a clean stop.
		if err := temporalx.RegisterSearchAttributes(ctx, p.Temporal, p.Config.TemporalNamespace, worker.SearchAttributes()); err != nil {
			return stopped(ctx, err)
		}
		if err := worker.EnsureSchedules(ctx, p.Temporal, p.Config.TemporalTaskQueue); err != nil {
			return stopped(ctx, fmt.Errorf("create schedules: %w", err))
		}
		w := p.Worker()
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		defer w.Stop()
		delivered := make(chan struct{})
		go func() { p.Milestones.Run(ctx); close(delivered) }()
		defer func() { <-delivered }()
	}
	if ln == nil {
		<-ctx.Done()
		return nil
	}
	srv, err := p.API()
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("api stopped: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), p.Config.ShutdownTimeout)
	defer cancel()
	p.Log.Info("shutting down api")
	// Sockets first, with 1001 "going away", so clients reconnect elsewhere.
	if err := p.Hub.Close(); err != nil {
		p.Log.Warn("closing the real-time hub", "error", err)
	}
	return srv.Shutdown(sctx)
}

// serveMetrics serves /metrics on METRICS_ADDR, apart from the api, until
// stop is called.
func (p *Platform) serveMetrics() (stop func(), err error) {
	ln, err := net.Listen("tcp", p.Config.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.Metrics, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			p.Log.Error("metrics server stopped", "error", err)
		}
	}()
	p.Log.Info("metrics listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// stopped is err, unless ctx was canceled meanwhile.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close closes the connections; call it after Run returned.
func (p *Platform) Close() {
	if p.Hub != nil {
		_ = p.Hub.Close()
	}
	if p.Temporal != nil {
		p.Temporal.Close()
	}
	if p.Redis != nil {
		_ = p.Redis.Close()
	}
	if p.Store != nil {
		_ = p.Store.Close()
	}
}

// jwtSecret returns JWT_SECRET or, outside production, a random secret kept
// in the data directory so sessions survive a restart.
func jwtSecret(cfg config.Config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	if cfg.Production() {
		return nil, errors.New("JWT_SECRET: required in production")
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := []byte(hex.EncodeToString(b))
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	return secret, os.WriteFile(path, secret, 0o600)
}

// unsubscribeSecret returns UNSUBSCRIBE_SECRET or, outside production
// (where the config requires it), a key derived from the JWT secret.
func unsubscribeSecret(cfg config.Config, jwtSecret []byte) []byte {
	if cfg.UnsubscribeSecret != "" {
		return []byte(cfg.UnsubscribeSecret)
	}
	mac := hmac.New(sha256.New, jwtSecret)
	mac.Write([]byte("fanfare unsubscribe links"))
	return mac.Sum(nil)
}

// vapidKeys returns the configured VAPID pair or, outside production, a
// pair made once and kept in the data directory; ("", "") turns push off.
func vapidKeys(cfg config.Config) (string, string, error) {
	if cfg.VAPIDPublicKey != "" || cfg.Production() {
		return cfg.VAPIDPublicKey, cfg.VAPIDPrivateKey, nil
	}
	path := filepath.Join(cfg.DataDir, "vapid.json")
	var keys struct{ Public, Private string }
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &keys) == nil && keys.Public != "" {
		return keys.Public, keys.Private, nil
	}
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return "", "", err
	}
	keys.Public, keys.Private = pub, priv
	b, _ := json.Marshal(keys)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", "", err
	}
	return pub, priv, os.WriteFile(path, b, 0o600)
}
