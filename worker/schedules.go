package worker

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsureSchedules creates the platform's Temporal Schedules, visible in the
// UI; those that exist are left as operators may have tuned them. A run
// still going when the next is due makes the next one skip (the default).
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string) error {
	for _, def := range Workflows {
		s := def.Schedule
		if s.ID == "" {
			continue
		}
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:     s.ID,
			Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.Every}}},
			Action: &client.ScheduleWorkflowAction{ID: s.ID, Workflow: def.Workflow, TaskQueue: taskQueue},
		})
		if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return err
		}
	}
	return nil
}
