package workflows

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Conn is what every workflow client shares: the Temporal client and the
// task queue the workers poll. The typed clients beside each workflow
// (MembershipClient, InboxClient, BroadcastClient) are the only code that
// knows a workflow's id format, update, signal and query names and search
// attributes; callers bound each call with their own deadline.
type Conn struct {
	Client    client.Client
	TaskQueue string
}

// EnsureSchedule creates the Temporal Schedule id, which runs wf every
// interval, with arg as its one argument when it is not nil; one that exists is left as operators may have
// tuned it. A run still going when the next is due makes the next one skip
// (the default).
func (c Conn) EnsureSchedule(ctx context.Context, id string, every time.Duration, wf any, arg any) error {
	action := &client.ScheduleWorkflowAction{ID: id, Workflow: wf, TaskQueue: c.TaskQueue}
	if arg != nil {
		action.Args = []any{arg}
	}
	return c.ensure(ctx, client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Action: action,
	})
}

// ensure creates a schedule unless one with its id exists.
func (c Conn) ensure(ctx context.Context, o client.ScheduleOptions) error {
	_, err := c.Client.ScheduleClient().Create(ctx, o)
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	return err
}
