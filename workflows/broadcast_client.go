package workflows

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/models"
)

// BroadcastClient starts BroadcastWorkflows and reads their progress.
type BroadcastClient struct{ Conn }

// Start starts the broadcast b once: a broadcast with b's id that runs or
// ran already is left alone, and Start returns no error.
func (c BroadcastClient) Start(ctx context.Context, b models.Broadcast) error {
	_, err := c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: BroadcastID(b.ID), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, BroadcastWorkflow, b)
	if errors.As(err, new(*serviceerror.WorkflowExecutionAlreadyStarted)) {
		return nil
	}
	return err
}

// Progress is how far the broadcast id got; serviceerror.NotFound when
// there is no such broadcast.
func (c BroadcastClient) Progress(ctx context.Context, id string) (models.BroadcastProgress, error) {
	var p models.BroadcastProgress
	v, err := c.Client.QueryWorkflow(ctx, BroadcastID(id), "", BroadcastQuery)
	if err == nil {
		err = v.Get(&p)
	}
	return p, err
}
