package workflows

import (
	"context"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// MembershipClient starts and drives SubscriptionWorkflows. updateID, when
// not empty, makes a retried call one update for Temporal (an
// Idempotency-Key), even when it reaches another api instance.
type MembershipClient struct{ Conn }

// Subscribe runs the subscribe update on the fan's membership, starting
// the workflow if none runs (Update-with-Start), and returns the state it
// left. now is the caller's clock, for the search attributes set at start.
func (c MembershipClient) Subscribe(ctx context.Context, artistID, fanID uuid.UUID, updateID string, in SubscribeInput, now time.Time) (Membership, error) {
	// The search attributes a successful subscribe leaves, set at start so
	// that it needs no upsert (a declined card corrects them).
	end := AddMonths(now, 1)
	expected := models.Subscription{ArtistID: artistID, FanID: fanID, Tier: in.Tier, Status: models.StatusActive, NextChargeAt: &end}
	start := c.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: SubscriptionID(artistID.String(), fanID.String()), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(membershipSearchAttributes(expected)...),
	}, SubscriptionWorkflow, Membership{ArtistID: artistID.String(), FanID: fanID.String()})
	h, err := c.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: updateID, UpdateName: UpdateSubscribe, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{in},
		},
	})
	var st Membership
	if err == nil {
		err = h.Get(ctx, &st)
	}
	return st, err
}

// ChangeTier runs the changeTier update on a running membership.
func (c MembershipClient) ChangeTier(ctx context.Context, artistID, fanID uuid.UUID, updateID string, in ChangeTierInput) error {
	return c.update(ctx, artistID, fanID, updateID, UpdateChangeTier, in)
}

// Cancel runs the cancel update on a running membership.
func (c MembershipClient) Cancel(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error {
	return c.update(ctx, artistID, fanID, updateID, UpdateCancel)
}

// Resume runs the resume update on a running membership.
func (c MembershipClient) Resume(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error {
	return c.update(ctx, artistID, fanID, updateID, UpdateResume)
}

// update waits for a completed update; a membership with no running
// workflow answers serviceerror.NotFound.
func (c MembershipClient) update(ctx context.Context, artistID, fanID uuid.UUID, updateID, name string, args ...any) error {
	h, err := c.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: SubscriptionID(artistID.String(), fanID.String()), UpdateID: updateID,
		UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// ReportPayment signals the payment provider's outcome of a charge to the
// membership workflowID (see IsSubscriptionID).
func (c MembershipClient) ReportPayment(ctx context.Context, workflowID string, succeeded bool, ev PaymentEvent) error {
	signal := SignalPaymentFailed
	if succeeded {
		signal = SignalPaymentSucceeded
	}
	return c.Client.SignalWorkflow(ctx, workflowID, "", signal, ev)
}

// membershipSearchAttributes are the search attributes of a membership in
// the given state; Subscribe starts the workflow with those its subscribe
// will leave, so the usual subscribe upserts none.
func membershipSearchAttributes(sub models.Subscription) []temporal.SearchAttributeUpdate {
	renewal := searchattr.NextRenewalAt.ValueUnset()
	if sub.NextChargeAt != nil {
		renewal = searchattr.NextRenewalAt.ValueSet(sub.NextChargeAt.UTC())
	}
	return []temporal.SearchAttributeUpdate{
		searchattr.ArtistID.ValueSet(sub.ArtistID.String()), searchattr.FanID.ValueSet(sub.FanID.String()),
		searchattr.Tier.ValueSet(string(sub.Tier)), searchattr.SubscriptionStatus.ValueSet(string(sub.Status)), renewal,
	}
}
