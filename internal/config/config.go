package config

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/redis/go-redis/v9"
)

// Config is every setting of the platform. Fields tagged secret:"true" are
// masked when the config is printed; URLs have their passwords masked.
type Config struct {
	Env       string `env:"FANFARE_ENV" envDefault:"development"`
	HTTPAddr  string `env:"HTTP_ADDR" envDefault:":3000"`
	PublicURL string `env:"PUBLIC_URL" envDefault:"http://localhost:3000"`
	// The front end, where a share page's "open in the app" link goes.
	AppURL    string     `env:"APP_URL" envDefault:"http://localhost:5173"`
	DataDir   string     `env:"DATA_DIR" envDefault:".data"`
	LogLevel  slog.Level `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string     `env:"LOG_FORMAT" envDefault:"text"`

	DatabaseURL       string        `env:"DATABASE_URL" envDefault:"sqlite://.data/fanfare.db" secret:"url"`
	DBMaxOpenConns    int           `env:"DB_MAX_OPEN_CONNS" envDefault:"32"`
	DBMaxIdleConns    int           `env:"DB_MAX_IDLE_CONNS" envDefault:"32"`
	DBConnMaxLifetime time.Duration `env:"DB_CONN_MAX_LIFETIME" envDefault:"30m"`

	RedisURL    string `env:"REDIS_URL" secret:"url"`
	RedisPrefix string `env:"REDIS_PREFIX" envDefault:"fanfare:"`

	TemporalAddress   string `env:"TEMPORAL_ADDRESS"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TemporalTaskQueue string `env:"TEMPORAL_TASK_QUEUE" envDefault:"fanfare"`
	// Workflows kept in the worker's sticky cache: beyond it an idle
	// membership costs no worker memory, and its next event replays its
	// (one-period) history.
	TemporalWorkflowCache int    `env:"TEMPORAL_WORKFLOW_CACHE" envDefault:"1000"`
	TemporalCLI           string `env:"TEMPORAL_CLI" envDefault:"bin/temporal"`
	TemporalPort          int    `env:"TEMPORAL_PORT" envDefault:"7233"`
	TemporalUIPort        int    `env:"TEMPORAL_UI_PORT" envDefault:"8233"`

	JWTSecret       string        `env:"JWT_SECRET" secret:"true"`
	AccessTokenTTL  time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m"`
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h"`

	// Signs the one-click unsubscribe links of emails; its own key, so a
	// leaked link never helps forge a session. Outside production it is
	// derived from the JWT secret.
	UnsubscribeSecret string `env:"UNSUBSCRIBE_SECRET" secret:"true"`
	// Announcements an artist may send in 24 hours.
	AnnouncementsPerDay int `env:"ANNOUNCEMENTS_PER_DAY" envDefault:"3"`

	CORSOrigins []string `env:"CORS_ORIGINS" envDefault:"http://localhost:3000,http://localhost:5173"`
	BodyLimit   int      `env:"BODY_LIMIT" envDefault:"65536"`
	RateLimit   int      `env:"RATE_LIMIT" envDefault:"600"`
	// Direct messages a user may send a minute (0: no limit).
	MessageRateLimit int `env:"MESSAGE_RATE_LIMIT" envDefault:"30"`
	AuthRateLimit    int `env:"AUTH_RATE_LIMIT" envDefault:"30"`
	// Play reports a user may send a minute (0: no limit).
	PlayRateLimit   int           `env:"PLAY_RATE_LIMIT" envDefault:"60"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`

	// Batches of client engagement events a user may post a minute (0: no limit).
	EngagementRateLimit int `env:"ENGAGEMENT_RATE_LIMIT" envDefault:"30"`

	// Refreshes a minute per refresh-token family (an unknown token counts
	// against AUTH_RATE_LIMIT of its address).
	RefreshRateLimit int `env:"REFRESH_RATE_LIMIT" envDefault:"10"`
	// Proxies whose X-Forwarded-For is believed; empty: the TCP peer is
	// the client.
	TrustedProxies Prefixes `env:"TRUSTED_PROXIES"`

	SendGridAPIKey string `env:"SENDGRID_API_KEY" secret:"true"` // empty: mail goes to the local outbox
	SendGridURL    string `env:"SENDGRID_URL" envDefault:"https://api.sendgrid.com"`
	EmailFrom      string `env:"EMAIL_FROM" envDefault:"Fanfare <no-reply@fanfare.local>"`
	// SendGrid's signed event webhook key (base64 DER, from the SendGrid
	// console); empty refuses every webhook.
	SendGridWebhookKey string `env:"SENDGRID_WEBHOOK_PUBLIC_KEY"`

	// Attachments of direct messages: on disk under DATA_DIR, or in an
	// S3-compatible bucket when S3_ENDPOINT is set.
	AttachmentMaxBytes int `env:"ATTACHMENT_MAX_BYTES" envDefault:"8388608"`
	// Uploaded media of content (tracks, videos, images), in the same store.
	ContentMediaMaxBytes int    `env:"CONTENT_MEDIA_MAX_BYTES" envDefault:"67108864"`
	S3Endpoint           string `env:"S3_ENDPOINT"` // host:port
	S3Region             string `env:"S3_REGION" envDefault:"us-east-1"`
	S3Bucket             string `env:"S3_BUCKET" envDefault:"fanfare-attachments"`
	S3AccessKey          string `env:"S3_ACCESS_KEY" secret:"true"`
	S3SecretKey          string `env:"S3_SECRET_KEY" secret:"true"`
	S3Secure             bool   `env:"S3_SECURE" envDefault:"true"`

	// Payments: the sandbox keeps its books in the database and charges
	// nothing (refused in production); stripe charges cards through
	// Stripe's api and needs both secrets.
	BillingProvider     string `env:"BILLING_PROVIDER" envDefault:"sandbox"`
	StripeSecretKey     string `env:"STRIPE_SECRET_KEY" secret:"true"`
	StripeWebhookSecret string `env:"STRIPE_WEBHOOK_SECRET" secret:"true"` // empty refuses every Stripe webhook
	StripeURL           string `env:"STRIPE_API_URL"`                      // empty: Stripe's api

	VAPIDPublicKey  string `env:"VAPID_PUBLIC_KEY"` // empty outside production: a pair is made and kept in DATA_DIR
	VAPIDPrivateKey string `env:"VAPID_PRIVATE_KEY" secret:"true"`
	VAPIDSubject    string `env:"VAPID_SUBJECT" envDefault:"mailto:ops@fanfare.local"`
	// PushDialAllow: tests only, set in code and never read from the
	// environment: non-public prefixes the push client may dial (a local
	// push service on loopback).
	PushDialAllow []netip.Prefix

	// Discord's api, where artists' webhooks are called (a webhook URL an
	// artist gives names a webhook, never the host); tests point it at a
	// local server.
	DiscordAPIBase string `env:"DISCORD_API_BASE" envDefault:"https://discord.com/api"`
	// Signs each request to Discord (X-Fanfare-Signature) for a relay that
	// checks them; empty: unsigned.
	DiscordSigningSecret string `env:"DISCORD_SIGNING_SECRET" secret:"true"`
	// DiscordDialAllow: tests only, like PushDialAllow (a local Discord on
	// loopback).
	DiscordDialAllow []netip.Prefix
	// Webhook checks with Discord (PUT /api/artists/:id/discord): each is
	// a request Discord may count against the server's address, and a
	// throttled address stalls every artist's announcements. At most this
	// many a minute across every api instance (the shared limiter), and a
	// tighter number an hour per artist; 0 turns one off.
	DiscordChecksPerMinute int `env:"DISCORD_CHECKS_PER_MINUTE" envDefault:"20"`
	DiscordChecksPerArtist int `env:"DISCORD_CHECKS_PER_ARTIST" envDefault:"5"`

	WSPingInterval time.Duration `env:"WS_PING_INTERVAL" envDefault:"25s"` // at most 25s
	WSPongTimeout  time.Duration `env:"WS_PONG_TIMEOUT" envDefault:"20s"`

	WSMaxConnsPerUser int    `env:"WS_MAX_CONNS_PER_USER" envDefault:"10"`
	WSMaxRooms        int    `env:"WS_MAX_ROOMS" envDefault:"100"`
	WSSendQueue       int    `env:"WS_SEND_QUEUE" envDefault:"1024"`
	PprofAddr         string `env:"PPROF_ADDR"` // e.g. 127.0.0.1:6060; empty keeps profiling off
	// Serve /metrics on this address only (e.g. :9090, a port the ingress
	// does not expose); empty serves it on HTTP_ADDR.
	MetricsAddr string `env:"METRICS_ADDR"`

	// Deadlines on a request's calls to its dependencies: past them the api
	// answers 503 unavailable instead of waiting on a service that is down.
	RequestTimeout      time.Duration `env:"REQUEST_TIMEOUT" envDefault:"10s"`
	TemporalCallTimeout time.Duration `env:"TEMPORAL_CALL_TIMEOUT" envDefault:"5s"`
	// Bytes a user may hold in uploads no message carries yet; such uploads
	// are deleted a day after they were made.
	UploadPendingQuota int64 `env:"UPLOAD_PENDING_QUOTA" envDefault:"52428800"`
}

// Load parses the environment and validates the result. Every error names
// the variable at fault.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, namedError(err)
	}
	return c, c.Validate()
}

// Variables are the names of every environment variable Load reads.
func Variables() []string {
	var names []string
	for f := range reflect.TypeFor[Config]().Fields() {
		names = append(names, strings.Split(f.Tag.Get("env"), ",")[0])
	}
	return names
}

// Prefixes are comma-separated CIDRs such as "10.0.0.0/8, fd00::/8".
type Prefixes []netip.Prefix

// UnmarshalText parses the list.
func (p *Prefixes) UnmarshalText(b []byte) error {
	*p = nil
	for _, s := range strings.Split(string(b), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pre, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR like 10.0.0.0/8", s)
		}
		*p = append(*p, pre.Masked())
	}
	return nil
}

// Contains reports whether a is in one of the prefixes.
func (p Prefixes) Contains(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// Production reports whether the platform runs against production services.
func (c Config) Production() bool { return c.Env == "production" }

// SQLite reports whether the application database is the embedded SQLite file.
func (c Config) SQLite() bool { return strings.HasPrefix(c.DatabaseURL, "sqlite:") }

// Validate checks values env cannot check by type alone.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if c.Env != "development" && c.Env != "production" {
		bad("FANFARE_ENV", "must be development or production, got %q", c.Env)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", "must be text or json, got %q", c.LogFormat)
	}
	u, err := url.Parse(c.DatabaseURL)
	switch {
	case err != nil:
		bad("DATABASE_URL", "not a URL")
	case u.Scheme != "sqlite" && u.Scheme != "postgres" && u.Scheme != "postgresql":
		bad("DATABASE_URL", "scheme must be postgres:// or sqlite://, got %q", u.Scheme)
	case c.Production() && u.Scheme == "sqlite":
		bad("DATABASE_URL", "production needs PostgreSQL")
	}
	if c.DBMaxOpenConns < 1 {
		bad("DB_MAX_OPEN_CONNS", "must be at least 1")
	}
	if c.DBMaxIdleConns < 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		bad("DB_MAX_IDLE_CONNS", "must be between 0 and DB_MAX_OPEN_CONNS")
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			bad("REDIS_URL", "%v", err)
		}
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("JWT_SECRET", "must be at least 32 bytes")
	}
	if c.Production() && c.JWTSecret == "" {
		bad("JWT_SECRET", "required in production")
	}
	if c.UnsubscribeSecret != "" && len(c.UnsubscribeSecret) < 32 || c.Production() && c.UnsubscribeSecret == "" {
		bad("UNSUBSCRIBE_SECRET", "required in production, at least 32 bytes")
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		bad("ACCESS_TOKEN_TTL", "must be between 1m and 24h")
	}
	if c.RefreshTokenTTL <= c.AccessTokenTTL {
		bad("REFRESH_TOKEN_TTL", "must be longer than ACCESS_TOKEN_TTL")
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			bad("CORS_ORIGINS", "must list origins explicitly, not *")
		} else if ou, err := url.Parse(o); err != nil || ou.Scheme == "" || ou.Host == "" || ou.Path != "" {
			bad("CORS_ORIGINS", "%q is not an origin like https://app.example.com", o)
		}
	}
	if c.SendGridWebhookKey != "" {
		if _, err := WebhookKey(c.SendGridWebhookKey); err != nil {
			bad("SENDGRID_WEBHOOK_PUBLIC_KEY", "%v", err)
		}
	}
	if _, err := mail.ParseAddress(c.EmailFrom); err != nil {
		bad("EMAIL_FROM", "must be an address like Fanfare <no-reply@example.com>")
	}
	if u, err := url.Parse(c.SendGridURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		bad("SENDGRID_URL", "must be an http(s) URL")
	}
	for name, raw := range map[string]string{"APP_URL": c.AppURL, "DISCORD_API_BASE": c.DiscordAPIBase} {
		if u, err := url.Parse(raw); err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || (u.Scheme != "https" && u.Scheme != "http") {
			bad(name, "must be an http(s) URL without credentials or query")
		}
	}
	if c.Production() && !strings.HasPrefix(c.DiscordAPIBase, "https://") {
		bad("DISCORD_API_BASE", "must be https in production: requests carry webhook tokens")
	}
	if c.TemporalWorkflowCache < 1 {
		bad("TEMPORAL_WORKFLOW_CACHE", "must be at least 1")
	}
	switch c.BillingProvider {
	case "sandbox":
		if c.Production() {
			bad("BILLING_PROVIDER", "production needs stripe: the sandbox charges nothing")
		}
	case "stripe":
		if c.StripeSecretKey == "" {
			bad("STRIPE_SECRET_KEY", "required with BILLING_PROVIDER=stripe")
		}
		// Pending charges are settled only by Stripe's signed webhooks.
		if c.StripeWebhookSecret == "" {
			bad("STRIPE_WEBHOOK_SECRET", "required with BILLING_PROVIDER=stripe")
		}
	default:
		bad("BILLING_PROVIDER", "must be sandbox or stripe")
	}
	if c.BodyLimit < 1024 {
		bad("BODY_LIMIT", "must be at least 1024 bytes")
	}
	if c.AnnouncementsPerDay < 1 {
		bad("ANNOUNCEMENTS_PER_DAY", "must be at least 1")
	}
	if c.AttachmentMaxBytes < 1024 {
		bad("ATTACHMENT_MAX_BYTES", "must be at least 1024 bytes")
	}
	if c.ContentMediaMaxBytes < 1024 {
		bad("CONTENT_MEDIA_MAX_BYTES", "must be at least 1024 bytes")
	}
	if c.RateLimit < 0 || c.AuthRateLimit < 0 || c.MessageRateLimit < 0 || c.RefreshRateLimit < 0 || c.PlayRateLimit < 0 || c.EngagementRateLimit < 0 {
		bad("RATE_LIMIT", "limits must not be negative (0 turns a limiter off)")
	}
	if c.DiscordChecksPerMinute < 0 || c.DiscordChecksPerArtist < 0 {
		bad("DISCORD_CHECKS_PER_MINUTE", "limits must not be negative (0 turns a limiter off)")
	}
	for name, n := range map[string]int{"WS_MAX_CONNS_PER_USER": c.WSMaxConnsPerUser, "WS_MAX_ROOMS": c.WSMaxRooms, "WS_SEND_QUEUE": c.WSSendQueue} {
		if n < 1 {
			bad(name, "must be at least 1")
		}
	}
	if c.WSPingInterval <= 0 || c.WSPingInterval > 25*time.Second {
		bad("WS_PING_INTERVAL", "must be above 0 and at most 25s")
	}
	if c.WSPongTimeout <= 0 {
		bad("WS_PONG_TIMEOUT", "must be above 0")
	}
	for name, d := range map[string]time.Duration{"REQUEST_TIMEOUT": c.RequestTimeout, "TEMPORAL_CALL_TIMEOUT": c.TemporalCallTimeout} {
		if d < 100*time.Millisecond {
			bad(name, "must be at least 100ms")
		}
	}
	if c.UploadPendingQuota < int64(c.AttachmentMaxBytes) {
		bad("UPLOAD_PENDING_QUOTA", "must be at least ATTACHMENT_MAX_BYTES")
	}
	for name, p := range map[string]int{"TEMPORAL_PORT": c.TemporalPort, "TEMPORAL_UI_PORT": c.TemporalUIPort} {
		if p < 1 || p > 65535 {
			bad(name, "must be a TCP port")
		}
	}
	return errors.Join(errs...)
}

// namedError rewrites env's errors, which name struct fields, to name the
// environment variable instead.
func namedError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	var errs []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			errs = append(errs, e)
			continue
		}
		f, _ := reflect.TypeFor[Config]().FieldByName(pe.Name)
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		errs = append(errs, fmt.Errorf("%s: invalid value: %v", key, pe.Err))
	}
	return errors.Join(errs...)
}

// LogValue prints the config with secrets masked.
func (c Config) LogValue() slog.Value {
	v := reflect.ValueOf(c)
	t := v.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("env") == "" { // set in code, not part of the environment
			continue
		}
		val := v.Field(i).Interface()
		switch f.Tag.Get("secret") {
		case "true":
			if val != "" {
				val = "*****"
			}
		case "url":
			if u, err := url.Parse(val.(string)); err == nil {
				val = u.Redacted()
			}
		}
		attrs = append(attrs, slog.Any(f.Tag.Get("env"), val))
	}
	return slog.GroupValue(attrs...)
}

// WebhookKey parses SendGrid's event webhook verification key.
func WebhookKey(b64 string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("not base64")
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("not a public key")
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ec, nil
}
