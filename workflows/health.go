package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// HealthWorkflow proves the whole path works: a client starts it, a worker
// picks it up and runs an activity that reaches the database. Operators run
// it from the UI or CLI (`temporal workflow execute --type HealthWorkflow`).
func HealthWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var h *activities.Health
	if err := workflow.ExecuteActivity(ctx, h.CheckDatabase).Get(ctx, nil); err != nil {
		return "", err
	}
	return "ok", nil
}
