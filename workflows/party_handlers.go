package workflows

import (
	"slices"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/models"
)

// PlaybackInput is a playback update: who asks, and for a seek where to.
type PlaybackInput struct {
	UserID     uuid.UUID `json:"user_id"`
	PositionMs int64     `json:"position_ms"`
}

// register sets the state query and the updates. The handlers do not
// block, so what a validator saw still holds when its handler runs.
func (w *party) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, PartyQuery, func() (PartyState, error) { return w.state(ctx), nil }); err != nil {
		return err
	}
	playback := []struct {
		name  string
		apply func(time.Time, PlaybackInput)
	}{
		{UpdatePlay, w.play},
		{UpdatePause, w.pause},
		{UpdateSeek, w.seek},
		{UpdateNext, func(now time.Time, _ PlaybackInput) { w.skip(now) }},
		{UpdatePrevious, w.previous},
		{UpdateEndParty, func(now time.Time, _ PlaybackInput) { w.end(now) }},
	}
	for _, p := range playback {
		name, apply := p.name, p.apply
		handler := func(ctx workflow.Context, in PlaybackInput) (models.PartyPlayback, error) {
			now := workflow.Now(ctx)
			apply(now, in)
			w.changed.SendAsync(struct{}{})
			return w.playback(now), nil
		}
		validator := func(ctx workflow.Context, in PlaybackInput) error { return w.canPlayback(ctx, name, in) }
		if err := workflow.SetUpdateHandlerWithOptions(ctx, name, handler, workflow.UpdateHandlerOptions{Validator: validator}); err != nil {
			return err
		}
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCoHosts, w.setCoHosts,
		workflow.UpdateHandlerOptions{Validator: w.canChange}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelParty, w.cancel,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context) error { return w.canChange(ctx, nil) }})
}

// canPlayback lets a host (the artist or a co-host) change the playback
// of a live party, and seek only within the track.
func (w *party) canPlayback(_ workflow.Context, name string, in PlaybackInput) error {
	switch {
	case in.UserID != w.run.ArtistID && !slices.Contains(w.cohosts, in.UserID):
		return rejected(models.CodeForbidden, "only the party's hosts control its playback")
	case w.status != models.PartyLive:
		return rejected(models.CodeConflict, "the party is not live")
	case name == UpdateSeek && (in.PositionMs < 0 || in.PositionMs > w.duration()):
		return refusedField(models.FieldError("position_ms", "the position is outside the track (0 to %d ms)", w.duration()))
	}
	return nil
}

// canChange refuses a change to a party that ended or was cancelled.
func (w *party) canChange(_ workflow.Context, _ []uuid.UUID) error {
	if w.status == models.PartyEnded || w.status == models.PartyCancelled {
		return rejected(models.CodeConflict, "this party has ended or was cancelled")
	}
	return nil
}

// play resumes from where the pause left the clock; play at the end of
// the playlist plays nothing more.
func (w *party) play(now time.Time, _ PlaybackInput) {
	w.pos, w.anchor, w.playing = w.position(now), now, w.finished.IsZero()
	w.version++
}

func (w *party) pause(now time.Time, _ PlaybackInput) {
	w.pos, w.anchor, w.playing = w.position(now), now, false
	w.version++
}

// seek moves within the track; back from the end of the playlist it
// plays again.
func (w *party) seek(now time.Time, in PlaybackInput) {
	if !w.finished.IsZero() && in.PositionMs < w.duration() {
		w.finished, w.playing = time.Time{}, true
	}
	w.pos, w.anchor = in.PositionMs, now
	w.version++
}

// skip goes to the next track now (from the last: the playlist is done).
func (w *party) skip(now time.Time) {
	if !w.finished.IsZero() {
		w.version++
		return
	}
	w.next(now)
	if w.finished.IsZero() {
		w.playing = true
	}
}

// previous goes back to the start of the track before (the first: its
// start), playing.
func (w *party) previous(now time.Time, _ PlaybackInput) {
	if w.idx > 0 && w.finished.IsZero() {
		w.idx--
	}
	w.pos, w.anchor, w.playing, w.finished = 0, now, len(w.run.DurationsMs) > 0, time.Time{}
	w.version++
}

func (w *party) setCoHosts(ctx workflow.Context, ids []uuid.UUID) (PartyState, error) {
	w.cohosts = ids
	return w.state(ctx), nil
}

// cancel stops a party that has not ended.
func (w *party) cancel(ctx workflow.Context) (PartyState, error) {
	w.status, w.playing = models.PartyCancelled, false
	w.version++
	w.changed.SendAsync(struct{}{})
	return w.state(ctx), nil
}
