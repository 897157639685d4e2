package workflows

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
)

// RewardClient starts RewardWorkflows.
type RewardClient struct{ Conn }

// Start starts the milestone's RewardWorkflow, and reports whether it ran
// to completion before (delivered: nothing to start). A start while it
// runs joins the run; one after a run that failed or was terminated starts
// it again (its grants are idempotent). The summary names the milestone
// key only: no personal data.
func (c RewardClient) Start(ctx context.Context, m activities.Milestone) (delivered bool, err error) {
	_, err = c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: RewardID(m.UserID, m.ArtistID, m.Key), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		// A completed run's id is refused as an error, not answered with that run.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            "reward · " + m.Key,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			searchattr.ArtistID.ValueSet(m.ArtistID.String()), searchattr.FanID.ValueSet(m.UserID.String())),
	}, RewardWorkflow, m)
	if errors.As(err, new(*serviceerror.WorkflowExecutionAlreadyStarted)) {
		return true, nil
	}
	return false, err
}
