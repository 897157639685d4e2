package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/migrations"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/worker"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Log is the logger tests hand to the platform: warnings and errors only.
func Log() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func uniqueName(prefix string) string {
	return prefix + strings.ReplaceAll(models.NewID().String(), "-", "")[12:]
}

// PostgresURL creates a fresh database, cloned from a migrated template,
// drops it when the test ends and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := env("FANFARE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	ctx := context.Background()
	st, err := store.Open(ctx, admin, store.Options{MaxOpenConns: 2, MaxIdleConns: 0}, Log())
	if err != nil {
		t.Fatalf("PostgreSQL is required (FANFARE_TEST_POSTGRES=%s): %v", admin, err)
	}
	defer st.Close()
	tmpl, err := migratedTemplate(ctx, st, admin)
	if err != nil {
		t.Fatalf("prepare template database: %v", err)
	}
	name := uniqueName("fanfare_t_")
	if err := st.DB(ctx).Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		st, err := store.Open(ctx, admin, store.Options{MaxOpenConns: 1}, Log())
		if err == nil {
			st.DB(ctx).Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			st.Close()
		}
	})
	return withDatabase(admin, name)
}

// migratedTemplate returns the name of a template database holding the
// current migrations, creating it once; the name carries a hash of the
// migrations so a schema change gets a new template.
func migratedTemplate(ctx context.Context, admin *store.Store, adminURL string) (string, error) {
	name := "fanfare_tmpl_" + migrationsHash()
	// Test binaries run in parallel: one creates the template while the
	// others wait on the lock. CREATE DATABASE cannot run in a transaction,
	// so the lock is a session lock on one connection.
	conn, err := admin.SQL().Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727272)"); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(ctx, "SELECT pg_advisory_unlock(727272)") }()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil || n > 0 {
		return name, err
	}
	building := name + "_build"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return "", err
		}
	}
	st, err := store.Open(ctx, withDatabase(adminURL, building), store.Options{MaxOpenConns: 1}, Log())
	if err != nil {
		return "", err
	}
	err = st.MigrateUp(ctx)
	st.Close()
	if err != nil {
		return "", err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name))
	return name, err
}

func migrationsHash() string {
	h := sha256.New()
	for _, d := range []string{store.Postgres, store.SQLite} {
		_ = fs.WalkDir(migrations.FS(d), ".", func(path string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				b, _ := fs.ReadFile(migrations.FS(d), path)
				h.Write([]byte(path))
				h.Write(b)
			}
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(rawURL, db string) string {
	u, _ := url.Parse(rawURL)
	u.Path = "/" + db
	return u.String()
}

// Postgres returns a store on a fresh, migrated PostgreSQL database.
func Postgres(t testing.TB) *store.Store {
	return open(t, PostgresURL(t))
}

// SQLiteURL returns the URL of a fresh, migrated SQLite database file.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	u := "sqlite://" + filepath.Join(t.TempDir(), "fanfare.db")
	st := open(t, u)
	if err := st.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return u
}

// SQLite returns a store on a fresh, migrated SQLite database.
func SQLite(t testing.TB) *store.Store {
	return open(t, SQLiteURL(t))
}

func open(t testing.TB, u string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), u, store.Options{MaxOpenConns: 8, MaxIdleConns: 8}, Log())
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// EachStore runs fn as a subtest against PostgreSQL and against SQLite, so
// the store's behaviour is one suite for both dialects.
func EachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for name, mk := range map[string]func(testing.TB) *store.Store{store.Postgres: Postgres, store.SQLite: SQLite} {
		t.Run(name, func(t *testing.T) { fn(t, mk(t)) })
	}
}

// RedisURL is the Redis the tests use.
func RedisURL() string { return env("FANFARE_TEST_REDIS", "redis://127.0.0.1:6379/0") }

// Redis returns a client and a key prefix private to the test; keys under
// the prefix are deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c := RedisClient(t)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis is required (FANFARE_TEST_REDIS=%s): %v", RedisURL(), err)
	}
	prefix := uniqueName("test:") + ":"
	t.Cleanup(func() { // before RedisClient's Close: cleanups run last first
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return c, prefix
}

// RedisClient returns one more client of the tests' Redis, closed when the
// test ends: with a prefix from Redis, a second api instance's.
func RedisClient(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("FANFARE_TEST_REDIS: %v", err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

var (
	devServerOnce sync.Once
	devServer     *testsuite.DevServer
	devServerErr  error
)

// TemporalAddress returns the frontend of the shared dev server, starting
// one for this package when make test did not.
func TemporalAddress(t testing.TB) string {
	t.Helper()
	if addr := os.Getenv("FANFARE_TEST_TEMPORAL"); addr != "" {
		return addr
	}
	devServerOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		devServer, devServerErr = temporalx.DevServer{
			CLI: filepath.Join(RepoRoot(), "bin", "temporal"), Namespace: "default", Log: Log(),
			SearchAttributes: worker.SearchAttributes(),
		}.Start(ctx)
	})
	if devServerErr != nil {
		t.Fatalf("Temporal dev server is required (build it with `make bin/temporal`): %v", devServerErr)
	}
	return devServer.FrontendHostPort()
}

// Temporal returns a client of the shared dev server.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	c, err := temporalx.Dial(context.Background(), TemporalAddress(t), "default", Log())
	if err != nil {
		t.Fatalf("connect to temporal: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Main runs a package's tests from the defaults and then stops a dev
// server it started. The platform's variables are removed from the
// environment first, so what a developer exported (FANFARE_ENV,
// REDIS_PREFIX, …) changes neither an App nor a child process of a test;
// only the FANFARE_TEST_* addresses above count.
func Main(m *testing.M) {
	for _, name := range config.Variables() {
		os.Unsetenv(name)
	}
	code := m.Run()
	if devServer != nil {
		_ = devServer.Stop()
	}
	os.Exit(code)
}

// RepoRoot is the folder that holds go.mod.
func RepoRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Rows reads the rows of T's table that match where, in order: tests
// assert on what the code under test wrote without the store growing
// queries only they use.
func Rows[T any](t testing.TB, st *store.Store, order, where string, args ...any) []T {
	t.Helper()
	var out []T
	if err := st.DB(context.Background()).Where(where, args...).Order(order).Find(&out).Error; err != nil {
		t.Fatalf("read rows: %v", err)
	}
	return out
}
