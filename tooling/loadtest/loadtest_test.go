package loadtest_test

import (
	"bytes"
	"fmt"
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

// The party benchmarks run end to end on a few listeners and report every
// figure; every listener follows the party's track (one that did not, or
// had no clock, would count an hour off).
func TestPartyBenchmarksReport(t *testing.T) {
	cfg := servicesConfig(t)
	var out bytes.Buffer
	require.NoError(t, loadtest.PartySync(t.Context(), cfg, loadtest.PartyOptions{Listeners: 5}, &out))
	require.NoError(t, loadtest.PartyControl(t.Context(), cfg, loadtest.PartyOptions{Listeners: 5, Rounds: 3}, &out))
	for _, name := range []string{"party_sync_within_50ms_pct", "party_sync_error_p50_ms", "party_sync_error_p99_ms",
		"party_control_to_last_sync_p50_ms", "party_control_to_last_sync_p99_ms", "temporal_bare_update_p50_ms", "temporal_bare_update_p99_ms"} {
		require.Contains(t, out.String(), "BENCH "+name+" ")
	}
	var p99 float64
	_, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "BENCH party_sync_error_p99_ms "):], "BENCH party_sync_error_p99_ms %f ms", &p99)
	require.NoError(t, err)
	require.Less(t, p99, float64(time.Hour.Milliseconds()), "every listener follows the party's track")
}

// The party chat load reaches every listener with every line, none
// refused: 5 lines a second from 2 of 10 sockets for two seconds.
func TestPartyChatReachesEveryListener(t *testing.T) {
	cfg := servicesConfig(t)
	var out bytes.Buffer
	require.NoError(t, loadtest.PartyChat(t.Context(), cfg, loadtest.PartyChatOptions{Listeners: 10, Senders: 2, Rate: 5, Duration: 2 * time.Second}, &out))
	require.Contains(t, out.String(), "BENCH party_chat_refused 0 lines")
	require.Contains(t, out.String(), "BENCH party_chat_lost 0 lines")
	require.Contains(t, out.String(), "BENCH party_chat_delivery_p99_ms ")
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

// servicesConfig is the config of a platform on the test's services.
func servicesConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testenv.PostgresURL(t)
	cfg.TemporalAddress = testenv.TemporalAddress(t)
	cfg.RedisURL = testenv.RedisURL()
	_, cfg.RedisPrefix = testenv.Redis(t)
	return cfg
}
