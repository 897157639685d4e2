package worker_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/testenv"
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
