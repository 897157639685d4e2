package workflows

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// PartyClient starts, steers and cancels PartyWorkflows. Refusals come
// back as models errors: forbidden for a caller who does not host the
// party, invalid (field position_ms) for a seek outside the track,
// conflict for a party that is not live (or over), not_found when none
// runs.
type PartyClient struct{ Conn }

// PlaybackActions are the playback updates a host may send.
var PlaybackActions = []string{UpdatePlay, UpdatePause, UpdateSeek, UpdateNext, UpdatePrevious, UpdateEndParty}

// Start starts the party's workflow; one already running is kept. A
// party's workflow runs once: an ended one is not started again.
func (c PartyClient) Start(ctx context.Context, run models.PartyRun) error {
	_, err := c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: PartyID(run.PartyID), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true, // else a closed run's handle comes back as if started
		TypedSearchAttributes: temporal.NewSearchAttributes(
			searchattr.ArtistID.ValueSet(run.ArtistID.String()), searchattr.PartyStatus.ValueSet(string(models.PartyScheduled))),
	}, PartyWorkflow, run)
	if errors.As(err, new(*serviceerror.WorkflowExecutionAlreadyStarted)) {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	return err
}

// Playback applies a host's action (one of PlaybackActions; positionMs is
// the seek's) and returns the playback after it.
func (c PartyClient) Playback(ctx context.Context, partyID uuid.UUID, action string, userID uuid.UUID, positionMs int64) (models.PartyPlayback, error) {
	var pb models.PartyPlayback
	if !slices.Contains(PlaybackActions, action) {
		return pb, models.FieldError("action", "the action is one of %v", PlaybackActions)
	}
	err := c.update(ctx, partyID, action, &pb, PlaybackInput{UserID: userID, PositionMs: positionMs})
	return pb, err
}

// SetCoHosts tells a running party who co-hosts it now.
func (c PartyClient) SetCoHosts(ctx context.Context, partyID uuid.UUID, coHosts []uuid.UUID) (PartyState, error) {
	var st PartyState
	return st, c.update(ctx, partyID, UpdateCoHosts, &st, coHosts)
}

// Reschedule moves a scheduled party's start and sets its playlist's
// durations; a party live or over is a conflict, a start in the past or
// more than a year ahead invalid (field scheduled_at), a playlist without
// tracks or longer than PartyMaxLength invalid (field playlist).
func (c PartyClient) Reschedule(ctx context.Context, partyID uuid.UUID, at time.Time, durationsMs []int64) (PartyState, error) {
	var st PartyState
	return st, c.update(ctx, partyID, UpdateReschedule, &st, PartyReschedule{ScheduledAt: at, DurationsMs: durationsMs})
}

// Roster tells the party who arrived and left since the last batch.
func (c PartyClient) Roster(ctx context.Context, partyID uuid.UUID, batch models.PartyRoster) error {
	return partyError(c.Client.SignalWorkflow(ctx, PartyID(partyID), "", SignalRoster, batch))
}

// Cancel stops a party before it ends.
func (c PartyClient) Cancel(ctx context.Context, partyID uuid.UUID) (PartyState, error) {
	var st PartyState
	return st, c.update(ctx, partyID, UpdateCancelParty, &st)
}

// State is the party, running or over.
func (c PartyClient) State(ctx context.Context, partyID uuid.UUID) (PartyState, error) {
	var st PartyState
	v, err := c.Client.QueryWorkflow(ctx, PartyID(partyID), "", PartyQuery)
	if err == nil {
		err = v.Get(&st)
	}
	return st, partyError(err)
}

func (c PartyClient) update(ctx context.Context, partyID uuid.UUID, name string, out any, args ...any) error {
	h, err := c.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: PartyID(partyID), UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	return partyError(err)
}

// partyError is releaseError with forbidden too, and a party that does
// not run named as one.
func partyError(err error) error {
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &app) && app.Type() == string(models.CodeForbidden):
		return models.Errorf(models.CodeForbidden, "%s", app.Message())
	case errors.As(err, new(*serviceerror.NotFound)):
		return models.Errorf(models.CodeNotFound, "this party is not running")
	}
	return releaseError(err)
}
