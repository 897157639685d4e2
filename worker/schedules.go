package worker

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/workflows"
)

// EnsureSchedules creates the platform's Temporal Schedules, visible in the
// UI; those that exist are left as operators may have tuned them.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	conn := workflows.Conn{Client: c, TaskQueue: taskQueue}
	for _, def := range Workflows {
		for _, s := range def.Schedules {
			if err := conn.EnsureSchedule(ctx, s.ID, s.Every, def.Workflow, s.Arg); err != nil {
				return err
			}
		}
	}
	return nil
}
