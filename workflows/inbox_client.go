package workflows

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/models"
)

// InboxClient hands notifications to users' InboxWorkflows.
type InboxClient struct{ Conn }

// Notify signals item to the user's inbox, starting the inbox if none runs
// (Signal-with-Start).
func (c InboxClient) Notify(ctx context.Context, userID string, item models.InboxItem) error {
	_, err := c.Client.SignalWithStartWorkflow(ctx, InboxID(userID), InboxSignal, item,
		client.StartWorkflowOptions{ID: InboxID(userID), TaskQueue: c.TaskQueue},
		InboxWorkflow, InboxState{UserID: userID})
	return err
}
