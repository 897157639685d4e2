package workflows

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// ReleaseClient schedules, moves and cancels ReleaseWorkflows. Refusals
// come back as models errors: invalid (field public_at) for a time in the
// past or more than a year ahead, conflict for a release that is
// cancelled or already public, not_found when no release runs.
type ReleaseClient struct{ Conn }

// Schedule starts the release of r, or moves a running one to r.PublicAt,
// in one call: Update-with-Start of the reschedule update, so two api
// instances scheduling the same content at once make one run, and the
// answer is the state either way. now is the caller's clock: the time is
// checked against it before a run starts (a new run accepts any time, as
// it must open windows a late worker finds past), and against workflow
// time by the update. A release that ended (public or cancelled) may be
// scheduled again as a new run; its audiences already told are not told
// again (the announcement keys are the same).
func (c ReleaseClient) Schedule(ctx context.Context, r models.Release, now time.Time) (ReleaseState, error) {
	if err := models.CheckPublicAt(r.PublicAt, now); err != nil {
		return ReleaseState{}, err
	}
	start := c.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: ReleaseID(r.ContentID), TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			searchattr.ArtistID.ValueSet(r.ArtistID.String()), searchattr.ReleasePhase.ValueSet(string(models.ReleaseScheduled))),
	}, ReleaseWorkflow, r)
	h, err := c.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: UpdateReschedule, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{r.PublicAt},
		},
	})
	var st ReleaseState
	if err == nil {
		err = h.Get(ctx, &st)
	}
	return st, releaseError(err)
}

// Reschedule moves a running release to t.
func (c ReleaseClient) Reschedule(ctx context.Context, contentID uuid.UUID, t time.Time) (ReleaseState, error) {
	return c.update(ctx, contentID, UpdateReschedule, t)
}

// Cancel ends a running release before it is public.
func (c ReleaseClient) Cancel(ctx context.Context, contentID uuid.UUID) (ReleaseState, error) {
	return c.update(ctx, contentID, UpdateCancelRelease)
}

// State is the release of the content, running or ended.
func (c ReleaseClient) State(ctx context.Context, contentID uuid.UUID) (ReleaseState, error) {
	var st ReleaseState
	v, err := c.Client.QueryWorkflow(ctx, ReleaseID(contentID), "", ReleaseQuery)
	if err == nil {
		err = v.Get(&st)
	}
	return st, releaseError(err)
}

func (c ReleaseClient) update(ctx context.Context, contentID uuid.UUID, name string, args ...any) (ReleaseState, error) {
	var st ReleaseState
	h, err := c.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: ReleaseID(contentID), UpdateName: name, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &st)
	}
	return st, releaseError(err)
}

// releaseError turns a refused update into its models error and a
// release that does not run into not_found; anything else (Temporal out
// of reach) is left as it is.
func releaseError(err error) error {
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &app) && (app.Type() == string(models.CodeInvalid) || app.Type() == string(models.CodeConflict)):
		e := &models.Error{Code: models.Code(app.Type()), Message: app.Message()}
		if app.HasDetails() {
			_ = app.Details(&e.Field)
		}
		return e
	case errors.As(err, new(*serviceerror.NotFound)):
		return models.Errorf(models.CodeNotFound, "no release is scheduled for this content")
	}
	return err
}
