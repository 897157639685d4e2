package loadtest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/loadtest"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The load tools measure what they claim on a small scale, so `make bench`
// cannot rot unnoticed.
func TestFanoutMeasuresEveryDelivery(t *testing.T) {
	f := loadtest.Fanout{Clients: 5, Rate: 50, Warmup: 200 * time.Millisecond, Duration: time.Second}

	anchor, err := loadtest.StartAnchor()
	require.NoError(t, err)
	t.Cleanup(func() { anchor.Close() })

	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testenv.SQLiteURL(t)
	cfg.TemporalAddress = testenv.TemporalAddress(t)
	fanfare, err := loadtest.StartFanfare(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { fanfare.Close() })

	for name, room := range map[string]loadtest.Room{"anchor": anchor, "fanfare": fanfare} {
		t.Run(name, func(t *testing.T) {
			res, err := f.Run(t.Context(), room)
			require.NoError(t, err)
			require.Positive(t, res.Published)
			require.Equal(t, res.Expected, res.Delivered)
			require.Positive(t, res.P99)
			var out bytes.Buffer
			res.Print(&out, "x")
			require.Contains(t, out.String(), "BENCH x_p99 ")
		})
	}
}

func TestHTTPLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	res, err := loadtest.HTTP{URL: srv.URL, Headers: map[string]string{"Authorization": "Bearer t"}, Conns: 4,
		Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond}.Run(t.Context())
	require.NoError(t, err)
	require.Positive(t, res.Requests)
	require.Zero(t, res.Errors)
	var out bytes.Buffer
	res.Print(&out, "h")
	require.True(t, strings.HasPrefix(out.String(), "BENCH h_rps "))
}

// A broadcast of 2,500 followers takes three pages: every follower gets one
// row and one email, in three SendGrid requests.
func TestBroadcastPagesThroughAllFollowers(t *testing.T) {
	cfg := servicesConfig(t)
	var out bytes.Buffer
	require.NoError(t, loadtest.Broadcast(t.Context(), cfg, 2500, &out))
	for _, line := range []string{"BENCH broadcast_inbox_rows 2500 rows", "BENCH broadcast_sendgrid_requests 3 requests", "BENCH broadcast_sendgrid_personalizations 2500 emails"} {
		require.Contains(t, out.String(), line)
	}
}

// The party join storm admits every fan of a party of their number and
// says how long that took.
func TestPartyJoinStormAdmitsEveryone(t *testing.T) {
	cfg := servicesConfig(t)
	var out bytes.Buffer
	require.NoError(t, loadtest.PartyJoinStorm(t.Context(), cfg, 50, 100*time.Millisecond, &out))
	t.Log(out.String())
	require.Regexp(t, `^BENCH party_join_storm_50_all_admitted_ms \d+ ms\n$`, out.String())
	require.Error(t, loadtest.PartyJoinStorm(t.Context(), cfg, 501, time.Second, &out), "no party holds 501")
}

// servicesConfig runs an in-process platform on the test's PostgreSQL,
// Redis and Temporal.
func servicesConfig(t *testing.T) config.Config {
	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testenv.PostgresURL(t)
	cfg.TemporalAddress = testenv.TemporalAddress(t)
	cfg.RedisURL = testenv.RedisURL()
	_, cfg.RedisPrefix = testenv.Redis(t)
	return cfg
}
