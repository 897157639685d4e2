package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The test binary doubles as the fanfare binary: run with FANFARE_AS_MAIN
// set, it is the command itself, so tests drive the real program.
func TestMain(m *testing.M) {
	if os.Getenv("FANFARE_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	testenv.Main(m)
}

func fanfare(t *testing.T, env []string, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), append(env, "FANFARE_AS_MAIN=1")...)
	return cmd
}

func TestEverySubcommandHasHelp(t *testing.T) {
	for _, sub := range []string{"dev", "api", "worker", "migrate", "seed", "analytics"} {
		out, err := fanfare(t, nil, sub, "--help").CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "Usage:")
		require.Contains(t, string(out), "fanfare "+sub)
	}
}

func TestInvalidConfigStopsWithTheVariableName(t *testing.T) {
	out, err := fanfare(t, []string{"DB_MAX_OPEN_CONNS=many"}, "migrate", "status").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "DB_MAX_OPEN_CONNS")
}

func TestMigrateCommand(t *testing.T) {
	env := []string{"DATABASE_URL=" + testenv.PostgresURL(t)}
	for _, args := range [][]string{{"migrate", "up"}, {"migrate", "down"}, {"migrate", "up"}, {"seed"}, {"seed"}} {
		out, err := fanfare(t, env, args...).CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	out, err := fanfare(t, env, "migrate", "status").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "00001_accounts.sql")
	require.NotContains(t, string(out), "Pending")
}

func TestSeedRefusesProduction(t *testing.T) {
	db := testenv.PostgresURL(t)
	out, err := fanfare(t, []string{"FANFARE_ENV=production", "DATABASE_URL=" + db}, "seed").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "refusing to load demo accounts")
	require.Contains(t, string(out), "FANFARE_ENV=production")
	st, err := store.Open(t.Context(), db, store.Options{MaxOpenConns: 1}, testenv.Log())
	require.NoError(t, err)
	defer st.Close()
	var users int64
	require.NoError(t, st.DB(t.Context()).Model(&models.User{}).Count(&users).Error)
	require.Zero(t, users, "no demo account was written")
}

// output collects a child's output while the test reads it.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// `fanfare dev` (what `make run` starts) on fresh ports: the embedded
// platform comes up with the Temporal UI, serves the register → login → me
// → follow journey, stops cleanly on Ctrl-C and keeps its data for the next run.
func TestDevRunsTheWholePlatformAndKeepsItsData(t *testing.T) {
	dir := t.TempDir()
	httpPort, uiPort, temporalPort := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	env := []string{
		"DATA_DIR=" + dir, "DATABASE_URL=sqlite://" + filepath.Join(dir, "fanfare.db"),
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", httpPort), fmt.Sprintf("TEMPORAL_PORT=%d", temporalPort),
		fmt.Sprintf("TEMPORAL_UI_PORT=%d", uiPort), "TEMPORAL_CLI=" + filepath.Join(testenv.RepoRoot(), "bin", "temporal"),
		"TEMPORAL_ADDRESS=", "REDIS_URL=", "LOG_LEVEL=warn",
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	call := func(method, path, token string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	start := func() (*exec.Cmd, *output) {
		out := &output{}
		cmd := fanfare(t, env, "dev")
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		require.Eventually(t, func() bool {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		}, 90*time.Second, 200*time.Millisecond, "dev never became ready: %s", out)
		return cmd, out
	}
	stop := func(cmd *exec.Cmd, out *output) {
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			require.NoError(t, err, "dev did not exit cleanly: %s", out)
		case <-ctx.Done():
			t.Fatalf("dev did not stop on SIGINT: %s", out)
		}
	}

	cmd, out := start()
	require.Contains(t, out.String(), "nova@fanfare.test")
	require.Contains(t, out.String(), "/docs")
	ui, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", uiPort))
	require.NoError(t, err)
	ui.Body.Close()
	require.Equal(t, http.StatusOK, ui.StatusCode, "Temporal UI answers")

	status, _ := call(http.MethodPost, "/api/auth/register", "", map[string]any{
		"email": "dev@example.com", "password": testenv.TestPassword, "display_name": "Dev", "role": "fan"})
	require.Equal(t, http.StatusCreated, status)
	login := map[string]any{"email": "dev@example.com", "password": testenv.TestPassword}
	status, sess := call(http.MethodPost, "/api/auth/login", "", login)
	require.Equal(t, http.StatusOK, status)
	token := sess["access_token"].(string)
	status, me := call(http.MethodGet, "/api/me", token, nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "dev@example.com", me["email"])
	status, follow := call(http.MethodPost, "/api/artists/nova-lights/follow", token, nil)
	require.Equal(t, http.StatusOK, status)
	require.EqualValues(t, 4, follow["follower_count"], "three seeded fans and this one")
	// The embedded stack joins a club (sandbox payments, the membership
	// workflow on the dev server, SQLite) and writes to the artist.
	status, club := call(http.MethodGet, "/api/artists/nova-lights/club", "", nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "Welcome backstage!", club["welcome_message"])
	status, sub := call(http.MethodPost, "/api/artists/nova-lights/subscription", token, map[string]any{"tier": "superfan"})
	require.Equal(t, http.StatusCreated, status, "%v", sub)
	require.Equal(t, "active", sub["status"])
	status, conv := call(http.MethodPost, "/api/messages/conversations", token, map[string]any{"user_id": sub["artist_id"]})
	require.Equal(t, http.StatusCreated, status, "%v", conv)
	status, msg := call(http.MethodPost, "/api/messages/conversations/"+conv["id"].(string)+"/messages", token, map[string]any{"body": "Hello from dev"})
	require.Equal(t, http.StatusCreated, status, "%v", msg)
	// The demo release is locked to the new superfan until their window,
	// and runs its ReleaseWorkflow; the club has its Q&A schedule.
	status, content := call(http.MethodGet, "/api/artists/"+sub["artist_id"].(string)+"/content", token, nil)
	require.Equal(t, http.StatusOK, status, "%v", content)
	var release map[string]any
	for _, it := range content["items"].([]any) {
		if it := it.(map[string]any); it["title"] == "Afterglow (single)" {
			release = it
		}
	}
	require.NotNil(t, release, "%v", content)
	require.Equal(t, true, release["locked"])
	tc, err := client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", temporalPort)})
	require.NoError(t, err)
	defer tc.Close()
	require.Eventually(t, func() bool { // started beside the api, once the worker runs
		_, err := tc.DescribeWorkflow(t.Context(), "release/"+release["id"].(string), "")
		_, err2 := tc.ScheduleClient().GetHandle(t.Context(), "qa/"+sub["artist_id"].(string)).Describe(t.Context())
		return err == nil && err2 == nil
	}, 30*time.Second, 100*time.Millisecond, "the demo release runs and the club has its monthly Q&A")
	stop(cmd, out)

	cmd, out = start()
	status, sess = call(http.MethodPost, "/api/auth/login", "", login)
	require.Equal(t, http.StatusOK, status, "the account survived the restart")
	status, profile := call(http.MethodGet, "/api/artists/nova-lights", sess["access_token"].(string), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, true, profile["following"])
	require.EqualValues(t, 4, profile["follower_count"])
	require.Equal(t, 1, strings.Count(out.String(), "Demo logins"), "seeding again printed the logins once")
	status, mine := call(http.MethodGet, "/api/me/subscriptions", sess["access_token"].(string), nil)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, mine["items"], 1, "the membership survived the restart")
	stop(cmd, out)
}
