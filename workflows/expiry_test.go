package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/internal/testenv"
	"github.com/fanfare/fanfare/models"
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
