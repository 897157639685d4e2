package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/models"
)

// register sets the state query and the updates. The handlers do not
// block, so what a validator saw still holds when its handler runs.
func (w *release) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, ReleaseQuery, func() (ReleaseState, error) { return w.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReschedule, w.reschedule,
		workflow.UpdateHandlerOptions{Validator: w.canReschedule}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelRelease, w.cancel,
		workflow.UpdateHandlerOptions{Validator: w.canCancel})
}

// changeable refuses a change to a release that is cancelled or public
// (its time has come, whether or not its public announcement went out).
func (w *release) changeable(ctx workflow.Context) error {
	switch {
	case w.st.Cancelled:
		return rejected(models.CodeConflict, "the release is cancelled")
	case !workflow.Now(ctx).Before(w.st.PublicAt):
		return rejected(models.CodeConflict, "the release is already public")
	}
	return nil
}

// canReschedule takes a new release time from now (workflow time) to a
// year ahead.
func (w *release) canReschedule(ctx workflow.Context, t time.Time) error {
	if err := w.changeable(ctx); err != nil {
		return err
	}
	if err := models.CheckPublicAt(t, workflow.Now(ctx)); err != nil {
		return refusedField(err)
	}
	return nil
}

// reschedule moves the release time; the run re-plans at once, opening
// the windows the new time leaves open and sleeping until the next.
// Phases announced stay announced: an audience hears of a release once.
func (w *release) reschedule(ctx workflow.Context, t time.Time) (ReleaseState, error) {
	w.st.PublicAt = t.UTC()
	w.st.NextPhaseAt = w.nextAt(workflow.Now(ctx))
	w.changed.SendAsync(struct{}{})
	return w.st, nil
}

func (w *release) canCancel(ctx workflow.Context) error { return w.changeable(ctx) }

// cancel ends the release: nothing more is announced.
func (w *release) cancel(workflow.Context) (ReleaseState, error) {
	w.st.Cancelled, w.st.Phase, w.st.NextPhaseAt = true, models.ReleaseCancelled, nil
	w.changed.SendAsync(struct{}{})
	return w.st, nil
}

// refusedField is a refusal naming the field at fault (its detail), which
// the client turns back into a models.FieldError.
func refusedField(err error) error {
	e, ok := err.(*models.Error)
	if !ok {
		return err
	}
	return temporal.NewApplicationError(e.Message, string(e.Code), e.Field)
}
