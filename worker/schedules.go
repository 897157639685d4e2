package worker

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/workflows"
)

// schedules are the platform's Temporal Schedules: each runs a workflow
// with no arguments every hour.
var schedules = map[string]any{
	workflows.ExpirySchedule:      workflows.ExpirySweepWorkflow,
	workflows.UploadSweepSchedule: workflows.UploadSweepWorkflow,
}

// EnsureSchedules creates the platform's Temporal Schedules, visible in the
// UI; those that exist are left as operators may have tuned them.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	conn := workflows.Conn{Client: c, TaskQueue: taskQueue}
	for id, wf := range schedules {
		if err := conn.EnsureSchedule(ctx, id, time.Hour, wf); err != nil {
			return err
		}
	}
	return nil
}
