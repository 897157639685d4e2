package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// ExpirySchedule is the Temporal Schedule that sweeps expired notifications.
const ExpirySchedule = "notifications-expiry-sweep"

// ExpirySweepWorkflow deletes the notifications that expired; the schedule
// runs it every hour. Expired rows are hidden and never delivered before
// that already: the sweep only reclaims space.
func ExpirySweepWorkflow(ctx workflow.Context) (int64, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var a *activities.Expiry
	var n int64
	err := workflow.ExecuteActivity(ctx, a.SweepExpired, workflow.Now(ctx)).Get(ctx, &n)
	return n, err
}
