package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
)

// App is the api and the worker running in-process on a random port, on a
// fresh database, a private Redis prefix and a private task queue.
type App struct {
	URL      string
	Platform *app.Platform
	HTTP     *http.Client
}

// Option changes the config of an App before it starts.
type Option func(*config.Config)

// WithSQLite runs the App on the embedded SQLite database instead of PostgreSQL.
func WithSQLite() Option { return func(c *config.Config) { c.DatabaseURL = "sqlite:" } }

// WithoutRedis runs the App on the in-memory limiter, as the embedded mode does.
func WithoutRedis() Option { return func(c *config.Config) { c.RedisURL = "" } }

// Alongside runs a second api instance on the same database, Redis prefix
// and task queue as other, as a load balancer's second backend would be.
func Alongside(other *App) Option {
	return func(c *config.Config) {
		o := other.Platform.Config
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = o.DatabaseURL, o.RedisURL, o.RedisPrefix
		c.TemporalTaskQueue, c.JWTSecret = o.TemporalTaskQueue, o.JWTSecret
	}
}

// WithConfig lets a test set any other value.
func WithConfig(fn func(*config.Config)) Option { return fn }

// StartApp starts an App and stops it when the test ends. By default it runs
// on PostgreSQL and Redis, as production does.
func StartApp(t testing.TB, opts ...Option) *App {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.JWTSecret = "test-secret-0123456789abcdef0123456789"
	cfg.RedisURL = RedisURL()
	cfg.TemporalAddress = TemporalAddress(t)
	cfg.TemporalTaskQueue = uniqueName("test-")
	cfg.RateLimit, cfg.AuthRateLimit = 0, 0
	cfg.DatabaseURL = "postgres:"
	for _, o := range opts {
		o(&cfg)
	}
	switch cfg.DatabaseURL { // resolved after the options so only one database is made
	case "postgres:":
		cfg.DatabaseURL = PostgresURL(t)
	case "sqlite:":
		cfg.DatabaseURL = SQLiteURL(t)
	}
	if cfg.RedisURL != "" && cfg.RedisPrefix == "fanfare:" {
		_, prefix := Redis(t)
		cfg.RedisPrefix = prefix
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := app.Open(ctx, cfg, Log())
	if err != nil {
		cancel()
		t.Fatalf("open platform: %v", err)
	}
	if _, err := p.API(); err != nil { // built here so tests may read it without a race
		cancel()
		t.Fatalf("build api: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, ln, true) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("platform stopped with: %v", err)
		}
		p.Close()
	})
	return &App{
		URL:      "http://" + ln.Addr().String(),
		Platform: p,
		HTTP:     &http.Client{Timeout: 30 * time.Second},
	}
}

// Response is an answer of the api.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the code of an error answer ({error:{code}}).
func (r Response) ErrorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	r.Decode(t, &e)
	return e.Error.Code
}

// Do sends a request; body is JSON-encoded unless it is already []byte or
// nil. token, when set, goes in the Authorization header.
func (a *App) Do(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	r, err := a.Call(method, path, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Call is Do for an Eventually condition or a goroutine, where a failure
// must not stop the test: it returns the error instead.
func (a *App) Call(method, path, token string, body any) (Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return Response{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.send(req)
}

// Fetch is Call that decodes a 2xx answer into v; any other answer is an
// error.
func (a *App) Fetch(method, path, token string, body, v any) error {
	r, err := a.Call(method, path, token, body)
	if err != nil {
		return err
	}
	if r.Status >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return json.Unmarshal(r.Body, v)
}

// Send sends a prepared request.
func (a *App) Send(t testing.TB, req *http.Request) Response {
	t.Helper()
	r, err := a.send(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (a *App) send(req *http.Request) (Response, error) {
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: read the answer: %w", req.Method, req.URL.Path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Upload sends data as the multipart "file" of the attachment upload route.
func (a *App) Upload(t testing.TB, token, name string, data []byte) Response {
	t.Helper()
	return a.Send(t, a.UploadRequest(t, token, name, data))
}

// UploadRequest is the request Upload sends, for tests that send it
// themselves (from goroutines, say).
func (a *App) UploadRequest(t testing.TB, token, name string, data []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, a.URL+"/api/messages/attachments", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// PNG is a small image the upload route accepts, n bytes long (n ≥ 33).
func PNG(n int) []byte {
	head := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	return append(head, make([]byte, n-len(head))...)
}

// Session is a signed-in test user.
type Session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"user"`
}

// Register creates a user with a unique email and the given role.
func (a *App) Register(t testing.TB, role, name string) Session {
	t.Helper()
	r := a.Do(t, http.MethodPost, "/api/auth/register", "", map[string]any{
		"email": uniqueName("u") + "@example.com", "password": TestPassword,
		"display_name": name, "role": role,
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var s Session
	r.Decode(t, &s)
	return s
}

// TestPassword passes the strength check.
const TestPassword = "correct horse battery staple"

// StartMortalPair starts two api instances on one database and Redis, the
// second reaching Redis through a proxy the test can take down: to the
// first, an instance that lost Redis is as good as dead (its presence and
// roster entries expire). opts apply to both.
func StartMortalPair(t testing.TB, opts ...Option) (one, two *App, proxy *Proxy) {
	t.Helper()
	one = StartApp(t, opts...)
	redisURL, err := url.Parse(one.Platform.Config.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy = StartProxy(t, redisURL.Host)
	two = StartApp(t, append(opts, Alongside(one), func(c *config.Config) {
		u := *redisURL
		u.Host = proxy.Addr
		c.RedisURL = u.String()
	})...)
	return one, two, proxy
}
