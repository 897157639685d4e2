package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/tooling/testenv"
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
