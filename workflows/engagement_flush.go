package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// EngagementFlushSchedule is the Temporal Schedule that writes accepted
// client engagement events to PostgreSQL.
const EngagementFlushSchedule = "engagement-flush"

// EngagementFlushEvery is the schedule's interval. Accepted events are
// counted at once; only the scores and totals folded from the table wait
// for the flush, and 10 s is shorter than anyone refreshes a leaderboard.
// Each run is one small workflow (8,640 a day); a run still draining when
// the next is due makes it skip, so a backlog is drained by back-to-back
// runs, never by two at once.
const EngagementFlushEvery = 10 * time.Second

// The flush's bounds: events a transaction (COPY keeps 5,000 rows to well
// under a second), and how long a run keeps beginning new batches.
const (
	engagementFlushBatch  = 5000
	engagementFlushBudget = 30 * time.Second
)

// EngagementFlushWorkflow drains the buffer of accepted client events
// into PostgreSQL (activities.Engagement.FlushEngagement) and returns
// what it did, the backlog it left included.
func EngagementFlushWorkflow(ctx workflow.Context) (activities.Flushed, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var a *activities.Engagement
	var out activities.Flushed
	err := workflow.ExecuteActivity(ctx, a.FlushEngagement, activities.FlushEngagement{
		Batch: engagementFlushBatch, Budget: engagementFlushBudget}).Get(ctx, &out)
	return out, err
}
