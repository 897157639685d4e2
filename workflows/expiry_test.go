package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

func TestExpirySweepDeletesOnlyExpired(t *testing.T) {
	testenv.EachStore(t, testExpirySweep)
}

func testExpirySweep(t *testing.T, st *store.Store) {
	ctx := t.Context()
	user := &models.User{ID: models.NewID(), Email: "x@example.com", PasswordHash: "x", Role: models.RoleFan, DisplayName: "x", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(ctx, user, nil))
	now := time.Now().UTC()
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	var rows []models.Notification
	for _, exp := range []*time.Time{&past, &future, nil} {
		rows = append(rows, models.Notification{ID: models.NewID(), UserID: user.ID, Category: "party", GroupKey: "g",
			Priority: models.PriorityHigh, Title: "t", Data: "{}", Channels: "in_app", CreatedAt: now, ExpiresAt: exp})
	}
	require.NoError(t, st.CreateNotifications(ctx, rows))

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(now)
	env.RegisterActivity(&activities.Expiry{Store: st})
	env.ExecuteWorkflow(workflows.ExpirySweepWorkflow)
	require.NoError(t, env.GetWorkflowError())
	var n int64
	require.NoError(t, env.GetWorkflowResult(&n))
	require.EqualValues(t, 1, n)
	var left int64
	require.NoError(t, st.DB(ctx).Model(&models.Notification{}).Count(&left).Error)
	require.EqualValues(t, 2, left)
}

// The sweep asks for what expired before its run started, and retries a
// failing sweep up to three attempts.
func TestExpirySweepWorkflow(t *testing.T) {
	start := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var a *activities.Expiry
	atStart := mock.MatchedBy(func(before time.Time) bool { return before.Equal(start) })
	for _, tc := range []struct {
		name     string
		failures int
		err      string
	}{
		{name: "sweeps", failures: 0},
		{name: "a failing sweep is retried", failures: 2},
		{name: "gives up after three attempts", failures: 3, err: "database gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(start)
			if tc.failures > 0 {
				env.OnActivity(a.SweepExpired, mock.Anything, atStart).Return(int64(0), errors.New("database gone")).Times(tc.failures)
			}
			if tc.err == "" {
				env.OnActivity(a.SweepExpired, mock.Anything, atStart).Return(int64(7), nil).Once()
			}
			env.ExecuteWorkflow(workflows.ExpirySweepWorkflow)
			env.AssertExpectations(t)
			if tc.err != "" {
				require.ErrorContains(t, env.GetWorkflowError(), tc.err)
				return
			}
			require.NoError(t, env.GetWorkflowError())
			var n int64
			require.NoError(t, env.GetWorkflowResult(&n))
			require.EqualValues(t, 7, n)
		})
	}
}
