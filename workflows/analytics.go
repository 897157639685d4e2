package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// The roll-ups' Temporal Schedules (docs/analytics.md, "Roll-ups"): the
// hourly one keeps today (and this month) current within the hour, the
// daily one rewrites the last week, final, so a late act or an answer to
// an old message is counted.
const (
	AnalyticsHourlySchedule = "analytics-hourly"
	AnalyticsDailySchedule  = "analytics-daily"
)

// AnalyticsRollup is a run's input: the UTC days [From, To), or, when
// Days is set, the last Days days up to now (a schedule's runs).
type AnalyticsRollup struct {
	From time.Time
	To   time.Time
	Days int
}

// AnalyticsRollupWorkflow rewrites the roll-ups of a range of days and
// their months (activities.Analytics.RollUp): a schedule's run, or a
// backfill (`fanfare analytics backfill`). Re-running a range gives the
// same rows.
func AnalyticsRollupWorkflow(ctx workflow.Context, in AnalyticsRollup) (activities.RolledUp, error) {
	r := activities.RollUpRange{From: in.From, To: in.To}
	if in.Days > 0 {
		// An hour back, so the run just after midnight finishes yesterday.
		now := workflow.Now(ctx).UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		start := now.Add(-time.Hour)
		r.From = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-in.Days)
		r.To = today.AddDate(0, 0, 1)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var a *activities.Analytics
	var out activities.RolledUp
	err := workflow.ExecuteActivity(ctx, a.RollUp, r).Get(ctx, &out)
	return out, err
}
