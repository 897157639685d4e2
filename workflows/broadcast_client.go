package workflows

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/models"
)

// BroadcastClient starts BroadcastWorkflows and reads their progress.
type BroadcastClient struct{ Conn }

// Start starts the broadcast b.
func (c BroadcastClient) Start(ctx context.Context, b models.Broadcast) error {
	_, err := c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: BroadcastID(b.ID), TaskQueue: c.TaskQueue}, BroadcastWorkflow, b)
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
