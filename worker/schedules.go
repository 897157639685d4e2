package worker

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/workflows"
)

// schedules are the platform's Temporal Schedules: each runs a workflow
// with no arguments every hour.
var schedules = map[string]any{
	workflows.ExpirySchedule:      workflows.ExpirySweepWorkflow,
	workflows.UploadSweepSchedule: workflows.UploadSweepWorkflow,
}

// EnsureSchedules creates the platform's Temporal Schedules, visible in the
// UI; those that exist are left as operators may have tuned them. A run
// still going when the next is due makes the next one skip (the default).
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	for id, wf := range schedules {
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:     id,
			Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
			Action: &client.ScheduleWorkflowAction{ID: id, Workflow: wf, TaskQueue: taskQueue},
		})
		if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return err
		}
	}
	return nil
}
