package main

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/testenv"
)

// `fanfare api`, the production api process, against PostgreSQL, Redis and
// Temporal: it becomes ready, serves real routes, and exits cleanly (status
// 0) on SIGTERM, as Kubernetes stops it.
func TestAPICommandServesAndStopsOnSIGTERM(t *testing.T) {
	_, prefix := testenv.Redis(t)
	port := testenv.FreePort(t)
	env := []string{
		"FANFARE_ENV=development", "DATABASE_URL=" + testenv.PostgresURL(t), "REDIS_URL=" + testenv.RedisURL(), "REDIS_PREFIX=" + prefix,
		"TEMPORAL_ADDRESS=" + testenv.TemporalAddress(t), "TEMPORAL_TASK_QUEUE=" + prefix + "api",
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port), "DATA_DIR=" + t.TempDir(),
		"JWT_SECRET=test-secret-0123456789abcdef0123456789", "LOG_LEVEL=warn",
	}
	app := &testenv.App{URL: fmt.Sprintf("http://127.0.0.1:%d", port), HTTP: &http.Client{Timeout: 30 * time.Second}}
	out := &output{}
	cmd := fanfare(t, env, "api")
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	require.Eventually(t, func() bool {
		resp, err := app.HTTP.Get(app.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "the api never became ready (database, Redis, Temporal): %s", out)
	fan := app.Register(t, "fan", "Kai")
	me := app.Do(t, http.MethodGet, "/api/me", fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Body))
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/realtime/ticket", fan.AccessToken, nil).Status, "Redis-backed route")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "a clean exit: %s", out)
	case <-time.After(60 * time.Second):
		t.Fatalf("the api did not stop on SIGTERM: %s", out)
	}
}
