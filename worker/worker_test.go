package worker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/testenv"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The worker started by the platform runs workflows on the real dev server
// and its activities reach the real database.
func TestWorkerRunsWorkflowsOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
		ID:        "health/" + t.Name(),
		TaskQueue: app.Platform.Config.TemporalTaskQueue,
	}, workflows.HealthWorkflow)
	require.NoError(t, err)
	var out string
	require.NoError(t, run.Get(t.Context(), &out))
	require.Equal(t, "ok", out)
}

// The expiry sweep is a Temporal Schedule operators see in the UI; making
// it again at every start is harmless.
func TestSchedulesExist(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	require.NoError(t, worker.EnsureSchedules(t.Context(), c, app.Platform.Config.TemporalTaskQueue))
	d, err := c.ScheduleClient().GetHandle(t.Context(), workflows.ExpirySchedule).Describe(t.Context())
	require.NoError(t, err)
	require.Equal(t, time.Hour, d.Schedule.Spec.Intervals[0].Every)
}
