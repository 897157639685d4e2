package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/workflows"
)

// A scheduled run covers its last Days days up to today on the workflow's
// clock (an hour back, so the run just after midnight finishes
// yesterday); a backfill its range as given.
func TestAnalyticsRollupRanges(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	for name, c := range map[string]struct {
		now  time.Time
		in   workflows.AnalyticsRollup
		want activities.RollUpRange
	}{
		"hourly":           {day(12, 7).Add(15 * time.Hour), workflows.AnalyticsRollup{Days: 1}, activities.RollUpRange{From: day(12, 7), To: day(12, 8)}},
		"hourly past 0:00": {day(12, 7).Add(20 * time.Minute), workflows.AnalyticsRollup{Days: 1}, activities.RollUpRange{From: day(12, 6), To: day(12, 8)}},
		"daily":            {day(12, 7).Add(3 * time.Hour), workflows.AnalyticsRollup{Days: 7}, activities.RollUpRange{From: day(12, 1), To: day(12, 8)}},
		"backfill":         {day(12, 7), workflows.AnalyticsRollup{From: day(1, 1), To: day(3, 1)}, activities.RollUpRange{From: day(1, 1), To: day(3, 1)}},
	} {
		t.Run(name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(c.now)
			var got activities.RollUpRange
			env.RegisterActivityWithOptions(func(_ context.Context, r activities.RollUpRange) (activities.RolledUp, error) {
				got = r
				return activities.RolledUp{Days: 1}, nil
			}, activity.RegisterOptions{Name: "RollUp"})
			env.ExecuteWorkflow(workflows.AnalyticsRollupWorkflow, c.in)
			require.NoError(t, env.GetWorkflowError())
			require.Equal(t, c.want, got)
		})
	}
}
