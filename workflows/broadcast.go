package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// BroadcastID is the workflow ID of a broadcast.
func BroadcastID(id string) string { return "broadcast/" + id }

// BroadcastQuery shows a broadcast's progress (models.BroadcastProgress).
const BroadcastQuery = "state"

// BroadcastWorkflow sends one notification to an artist's followers, a
// page of 1,000 at a time; its state query shows the progress.
func BroadcastWorkflow(ctx workflow.Context, b models.Broadcast) (models.BroadcastProgress, error) {
	p := models.BroadcastProgress{ArtistID: b.ArtistID}
	if err := workflow.SetQueryHandler(ctx, BroadcastQuery, func() (models.BroadcastProgress, error) { return p, nil }); err != nil {
		return p, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, searchattr.ArtistID.ValueSet(b.ArtistID)); err != nil {
		return p, err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10},
	})
	var a *activities.Broadcast
	for !p.Done {
		if err := workflow.ExecuteActivity(ctx, a.DeliverPage, b, p).Get(ctx, &p); err != nil {
			return p, err
		}
	}
	return p, nil
}
