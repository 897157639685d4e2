package workflows_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/testenv"
	"github.com/fanfare/fanfare/workflows"
)

func TestHealthWorkflowReachesTheDatabase(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Health{Store: testenv.SQLite(t)})
	env.ExecuteWorkflow(workflows.HealthWorkflow)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "ok", out)
}

func TestHealthWorkflowFailsWhenTheDatabaseIsDown(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	st := testenv.SQLite(t)
	require.NoError(t, st.Close())
	env.RegisterActivity(&activities.Health{Store: st})
	env.ExecuteWorkflow(workflows.HealthWorkflow)
	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "database is closed")
}

// Histories recorded on the real dev server must replay against today's
// code: a change that breaks one needs workflow.GetVersion. They replay
// under their own workflow and run ids, which the membership's payment
// keys carry.
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{"testdata/health_v1.json", "testdata/inbox_v1.json", "testdata/membership_v1.json", "testdata/membership_v2.json", "testdata/membership_pending_v2.json"} {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(file)
			require.NoError(t, err)
			defer f.Close()
			h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			require.NoError(t, err)
			started := h.Events[0].GetWorkflowExecutionStartedEventAttributes()
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(workflows.HealthWorkflow)
			r.RegisterWorkflow(workflows.InboxWorkflow)
			r.RegisterWorkflow(workflows.SubscriptionWorkflow)
			require.NoError(t, r.ReplayWorkflowHistoryWithOptions(nil, h, worker.ReplayWorkflowHistoryOptions{
				OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
			}))
		})
	}
}
