package worker

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/workflows"
)

// EnsureSchedules creates the platform's Temporal Schedules, visible in the
// UI; those that exist are left as operators may have tuned them. A run
// still going when the next is due makes the next one skip (the default).
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:   workflows.ExpirySchedule,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.ExpirySchedule, Workflow: workflows.ExpirySweepWorkflow, TaskQueue: taskQueue,
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	return err
}
