package workflows

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
)

// What party-v2 adds to the party (workflow.GetVersion "party-v2", so
// runs of v1 replay as they ran): reminders before it starts, the live
// announcement, the roster, stats when it ends, continue-as-new and the
// reschedule update.
const (
	partyV2 = "party-v2"

	// PartyHistoryLimit is the history length past which a party continues
	// as new (before Temporal's warning at 10,240 events) unless the server
	// suggests it sooner; roster signals come every second while it is live.
	PartyHistoryLimit = 8000
	partyAheadMax     = 365 * 24 * time.Hour
	partySkew         = time.Minute // a start this much in the past is taken as now, as the api does
)

// partyReminders are when guests are reminded, before the start.
var partyReminders = []struct {
	moment activities.PartyMoment
	before time.Duration
}{
	{activities.PartyReminder24h, 24 * time.Hour},
	{activities.PartyReminder15m, 15 * time.Minute},
}

// PartyReschedule is a new start and playlist for a scheduled party.
type PartyReschedule struct {
	ScheduledAt time.Time `json:"scheduled_at"`
	DurationsMs []int64   `json:"durations_ms"`
}

// partyKey is the key of an announcement: a reminder's names the start it
// reminds of, so that a retry or a later run sends it once and a
// reschedule reminds again of the new time.
func partyKey(run models.PartyRun, moment activities.PartyMoment) string {
	key := PartyID(run.PartyID) + "/" + string(moment)
	if moment != activities.PartyLive {
		key += "/" + strconv.FormatInt(run.ScheduledAt.Unix(), 10)
	}
	return key
}

// registerV2 adds the reschedule update and the roster signal.
func (w *party) registerV2(ctx workflow.Context) error {
	w.rosterCh = workflow.GetSignalChannel(ctx, SignalRoster)
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateReschedule, w.reschedule,
		workflow.UpdateHandlerOptions{Validator: w.canReschedule})
}

// canReschedule lets a scheduled party move its start (not into the past,
// at most a year ahead) and change its playlist (each track lasts, the
// whole at most PartyMaxLength).
func (w *party) canReschedule(ctx workflow.Context, in PartyReschedule) error {
	if w.status != models.PartyScheduled {
		return rejected(models.CodeConflict, "only a scheduled party's start and playlist change")
	}
	now := workflow.Now(ctx)
	var total int64
	for _, d := range in.DurationsMs {
		if d <= 0 {
			return refusedField(models.FieldError("playlist", "every track lasts more than 0 ms"))
		}
		total += d
	}
	switch {
	case in.ScheduledAt.Before(now.Add(-partySkew)):
		return refusedField(models.FieldError("scheduled_at", "scheduled_at is in the past"))
	case in.ScheduledAt.After(now.Add(partyAheadMax)):
		return refusedField(models.FieldError("scheduled_at", "scheduled_at must be at most a year ahead"))
	case len(in.DurationsMs) == 0 || time.Duration(total)*time.Millisecond > PartyMaxLength:
		return refusedField(models.FieldError("playlist", "the playlist needs a track and lasts at most %s", PartyMaxLength))
	}
	return nil
}

func (w *party) reschedule(ctx workflow.Context, in PartyReschedule) (PartyState, error) {
	w.run.ScheduledAt, w.run.DurationsMs = in.ScheduledAt.UTC(), slices.Clone(in.DurationsMs)
	w.planReminders(workflow.Now(ctx))
	w.changed.SendAsync(struct{}{})
	return w.state(ctx), nil
}

// planReminders skips the reminders whose time has passed (a party made
// or moved less than a day ahead is not reminded a day ahead, late) and
// arms the others, afresh after a reschedule.
func (w *party) planReminders(now time.Time) {
	for _, r := range partyReminders {
		w.announced[string(r.moment)] = !w.run.ScheduledAt.Add(-r.before).After(now)
	}
}

// announceDue sends what is due: once live, the live announcement; before,
// the latest reminder whose time came (a worker back after both times
// sends the 15-minute one only). A reminder due once the party is live is
// dropped: the live announcement tells more.
func (w *party) announceDue(ctx workflow.Context) {
	now := workflow.Now(ctx)
	switch w.status {
	case models.PartyScheduled:
		due := activities.PartyMoment("")
		for _, r := range partyReminders {
			if !w.announced[string(r.moment)] && !w.run.ScheduledAt.Add(-r.before).After(now) {
				w.announced[string(r.moment)], due = true, r.moment
			}
		}
		if due != "" {
			w.announce(ctx, due)
		}
	case models.PartyLive:
		if !w.announced[string(activities.PartyLive)] {
			w.announced[string(activities.PartyLive)] = true
			w.announce(ctx, activities.PartyLive)
		}
	}
}

// nextReminder is how long until the next reminder is due; ok false when
// none is left.
func (w *party) nextReminder(now time.Time) (time.Duration, bool) {
	if w.status != models.PartyScheduled {
		return 0, false
	}
	for _, r := range partyReminders {
		if !w.announced[string(r.moment)] {
			return w.run.ScheduledAt.Add(-r.before).Sub(now), true
		}
	}
	return 0, false
}

// announce starts a moment's broadcast (and for live, its Discord post)
// without waiting: the party's clock does not wait on the notifier. settle
// waits for them before the run ends.
func (w *party) announce(ctx workflow.Context, moment activities.PartyMoment) {
	var a *activities.Party
	in := activities.PartyAnnouncement{PartyID: w.run.PartyID, Moment: moment, Key: partyKey(w.run, moment)}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour, // later, a reminder or "live now" is noise
		RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 10 * time.Minute},
	})
	w.sending = append(w.sending, workflow.ExecuteActivity(actx, a.AnnounceParty, in))
	if moment == activities.PartyLive {
		// Someone else's service: a few tries, then the party goes on without it.
		dctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		})
		w.sending = append(w.sending, workflow.ExecuteActivity(dctx, a.AnnounceOnDiscord, in))
	}
}

// settle waits for the announcements started; one that failed is logged:
// a party does not fail for its notifications.
func (w *party) settle(ctx workflow.Context) {
	for _, f := range w.sending {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("party announcement failed", "party", w.run.PartyID, "error", err)
		}
	}
	w.sending = nil
}

// applyRoster takes a batch of arrivals and departures while the party is
// live (others are ignored), at the batch's time held within the party's
// life so far: each user is in the room once, however many times they are
// said to join; a user in both lists came and went within the batch.
func (w *party) applyRoster(now time.Time, b models.PartyRoster) {
	if w.status != models.PartyLive {
		return
	}
	at := b.At
	if live := w.deadline.Add(-PartyMaxLength); at.Before(live) {
		at = live
	}
	if at.After(now) {
		at = now
	}
	for _, id := range b.Joined {
		if w.listening(id) < 0 {
			w.listeners = append(w.listeners, models.PartyAttendee{UserID: id, Since: at})
			if i, found := slices.BinarySearchFunc(w.seen, id, compareIDs); !found {
				w.seen = slices.Insert(w.seen, i, id)
			}
		}
	}
	for _, id := range b.Left {
		if i := w.listening(id); i >= 0 {
			w.leave(i, at)
		}
	}
	w.peak = max(w.peak, len(w.listeners))
}

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

func (w *party) listening(id uuid.UUID) int {
	return slices.IndexFunc(w.listeners, func(l models.PartyAttendee) bool { return l.UserID == id })
}

// leave ends listener i's time in the room at t.
func (w *party) leave(i int, t time.Time) {
	w.listeningMs += max(0, t.Sub(w.listeners[i].Since).Milliseconds())
	w.listeners = slices.Delete(w.listeners, i, i+1)
}

// drainRoster applies every batch waiting, without blocking.
func (w *party) drainRoster(ctx workflow.Context) {
	var b models.PartyRoster
	for w.rosterCh.ReceiveAsync(&b) {
		w.applyRoster(workflow.Now(ctx), b)
		b = models.PartyRoster{}
	}
}

// finish closes the roster at the end (w.anchor: end sets it) and writes
// the stats before the row says ended, so an ended party shows its stats.
func (w *party) finish(ctx workflow.Context) error {
	for len(w.listeners) > 0 {
		w.leave(0, w.anchor)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	var a *activities.Party
	return workflow.ExecuteActivity(actx, a.RecordPartyStats, w.stats()).Get(ctx, nil)
}

func (w *party) stats() models.PartyStats {
	return models.PartyStats{PartyID: w.run.PartyID, PeakListeners: w.peak, TotalListeners: len(w.seen), ListeningMs: w.listeningMs, EndedAt: w.anchor}
}

// longRun reports whether this run's history is long enough to continue
// as new.
func (w *party) longRun(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := w.run.HistoryLimit
	if limit <= 0 {
		limit = PartyHistoryLimit
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit
}

// continueAsNew hands the party to a new run once the announcements and
// the handlers in flight are done and the roster batches waiting are
// applied (a new run does not get a run's pending signals).
func (w *party) continueAsNew(ctx workflow.Context) error {
	w.settle(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	w.drainRoster(ctx)
	run := w.run
	run.CoHosts = w.cohosts
	run.Resume = &models.PartyResume{Status: w.status, TrackIndex: w.idx, PositionMs: w.pos, Anchor: w.anchor, Playing: w.playing,
		Version: w.version, Finished: w.finished, Deadline: w.deadline, Recorded: w.recorded,
		Listeners: w.listeners, Seen: w.seen, Peak: w.peak, ListeningMs: w.listeningMs, Announced: w.announced}
	return workflow.NewContinueAsNewError(ctx, PartyWorkflow, run)
}

// resume takes on the state a previous run carried.
func (w *party) resume(r *models.PartyResume) {
	w.status, w.idx, w.pos, w.anchor, w.playing = r.Status, r.TrackIndex, r.PositionMs, r.Anchor, r.Playing
	w.version, w.finished, w.deadline, w.recorded = r.Version, r.Finished, r.Deadline, r.Recorded
	w.listeners, w.seen, w.peak, w.listeningMs = r.Listeners, r.Seen, r.Peak, r.ListeningMs
	if r.Announced != nil {
		w.announced = r.Announced
	}
}
