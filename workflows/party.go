package workflows

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// The party: one workflow per listening party (party/{partyID}) that
// holds its clock. It goes live at ScheduledAt, moves to the next track
// on a durable timer when one ends (a pause stops the clock), and ends
// PartyGrace after the last track, when a host ends it, or PartyMaxLength
// after it went live; a cancel before it ends stops it. Each change is
// written to the party's row by an activity.
const (
	PartyQuery        = "state"
	UpdatePlay        = "play"
	UpdatePause       = "pause"
	UpdateSeek        = "seek"
	UpdateNext        = "next"
	UpdatePrevious    = "previous"
	UpdateEndParty    = "end"
	UpdateCancelParty = "cancel"
	UpdateCoHosts     = "cohosts"
	SignalRoster      = "roster" // models.PartyRoster batches from the api

	PartyGrace     = 2 * time.Minute
	PartyMaxLength = 12 * time.Hour
)

// PartyID is the workflow ID of a party.
func PartyID(partyID uuid.UUID) string { return "party/" + partyID.String() }

// PartyState is a party as the state query shows it.
type PartyState struct {
	PartyID     uuid.UUID            `json:"party_id"`
	Status      models.PartyStatus   `json:"status"`
	ScheduledAt time.Time            `json:"scheduled_at"`
	Playback    models.PartyPlayback `json:"playback"`
	Hosts       []uuid.UUID          `json:"hosts"` // the artist, then the co-hosts
	// The roster (party-v2): listening now, the most at once, everyone so far.
	Listeners      int `json:"listeners"`
	PeakListeners  int `json:"peak_listeners"`
	TotalListeners int `json:"total_listeners"`
}

type party struct {
	run      models.PartyRun
	status   models.PartyStatus
	cohosts  []uuid.UUID
	idx      int
	pos      int64     // ms into the track at anchor
	anchor   time.Time // when pos held
	playing  bool
	version  int64
	finished time.Time // when the last track ended; zero before
	deadline time.Time // PartyMaxLength after it went live
	changed  workflow.Channel
	recorded models.PartyRecord // the last written to the row

	// party-v2
	v2          bool
	rosterCh    workflow.ReceiveChannel
	listeners   []models.PartyAttendee
	seen        []uuid.UUID // in id order
	peak        int
	listeningMs int64           // of those who left
	announced   map[string]bool // reminders made or skipped, the live announcement made
	sending     []workflow.Future
}

// PartyWorkflow runs a party until it ends or is cancelled. Each wake
// sleeps on one timer until the next thing due (the start, the end of the
// track playing, the end of the grace or the maximum length, a reminder),
// or until an update re-plans. From party-v2 it also reminds and announces,
// keeps the roster, writes the stats and continues as new (party_v2.go).
func PartyWorkflow(ctx workflow.Context, run models.PartyRun) (PartyState, error) {
	w := &party{run: run, status: models.PartyScheduled, cohosts: run.CoHosts, changed: workflow.NewBufferedChannel(ctx, 1),
		recorded: models.PartyRecord{Status: models.PartyScheduled}, // as the api created the row
		v2:       workflow.GetVersion(ctx, partyV2, workflow.DefaultVersion, 1) == 1, announced: map[string]bool{}}
	if err := w.register(ctx); err != nil {
		return w.state(ctx), err
	}
	if w.v2 {
		if err := w.registerV2(ctx); err != nil {
			return w.state(ctx), err
		}
		if run.Resume != nil {
			w.resume(run.Resume)
			w.run.Resume = nil
		} else {
			w.planReminders(workflow.Now(ctx))
		}
	}
	for {
		for w.changed.ReceiveAsync(nil) {
		}
		wait := w.advance(ctx)
		if w.v2 {
			w.drainRoster(ctx)
			w.announceDue(ctx)
			if w.status == models.PartyEnded {
				if err := w.finish(ctx); err != nil {
					return w.state(ctx), err
				}
			}
		}
		if err := w.save(ctx); err != nil {
			return w.state(ctx), err
		}
		if w.v2 && w.status == models.PartyEnded && w.recorded.Status != models.PartyEnded {
			continue // a host ended it while the row was written: record the end too
		}
		if w.status == models.PartyEnded || w.status == models.PartyCancelled {
			w.settle(ctx)
			return w.state(ctx), nil
		}
		if w.v2 && w.longRun(ctx) {
			return w.state(ctx), w.continueAsNew(ctx)
		}
		if next, ok := w.nextReminder(workflow.Now(ctx)); w.v2 && ok && next < wait {
			wait = next
		}
		w.sleep(ctx, wait)
	}
}

// sleep waits for the next thing due, or an update that re-plans; roster
// batches are taken as they come without re-arming the timer, and a run
// grown long wakes to continue as new.
func (w *party) sleep(ctx workflow.Context, wait time.Duration) {
	timerCtx, stop := workflow.WithCancel(ctx)
	defer stop()
	timer := workflow.NewTimer(timerCtx, wait)
	for woke := false; !woke; {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { woke = true })
		sel.AddReceive(w.changed, func(workflow.ReceiveChannel, bool) { woke = true }) // the loop drains it
		if w.v2 {
			sel.AddReceive(w.rosterCh, func(c workflow.ReceiveChannel, _ bool) {
				var b models.PartyRoster
				c.Receive(ctx, &b)
				w.applyRoster(workflow.Now(ctx), b)
				woke = w.longRun(ctx)
			})
		}
		sel.Select(ctx)
	}
}

// advance brings the party to now: live once its time came, past every
// track that ended, ended when due. It returns how long until the next
// thing due.
func (w *party) advance(ctx workflow.Context) time.Duration {
	now := workflow.Now(ctx)
	if w.status == models.PartyScheduled {
		if now.Before(w.run.ScheduledAt) {
			return w.run.ScheduledAt.Sub(now)
		}
		w.status, w.playing, w.anchor, w.deadline = models.PartyLive, true, now, now.Add(PartyMaxLength)
		w.version++
		if len(w.run.DurationsMs) == 0 {
			w.playing, w.finished = false, now
		}
	}
	if w.status != models.PartyLive {
		return 0
	}
	for w.playing {
		end := w.anchor.Add(time.Duration(w.duration()-w.pos) * time.Millisecond)
		if end.After(now) {
			break
		}
		w.next(end)
	}
	due := w.deadline
	switch {
	case w.playing:
		due = minTime(due, w.anchor.Add(time.Duration(w.duration()-w.pos)*time.Millisecond))
	case !w.finished.IsZero():
		due = minTime(due, w.finished.Add(PartyGrace))
	}
	if !due.After(now) {
		w.end(now)
		return 0
	}
	return due.Sub(now)
}

// next moves to the start of the next track at t, or finishes the
// playlist at the end of the last.
func (w *party) next(t time.Time) {
	w.version++
	if w.idx+1 < len(w.run.DurationsMs) {
		w.idx, w.pos, w.anchor = w.idx+1, 0, t
		return
	}
	w.pos, w.anchor, w.playing, w.finished = w.duration(), t, false, t
}

func (w *party) end(now time.Time) {
	w.pos, w.anchor, w.playing = w.position(now), now, false
	w.status = models.PartyEnded
	w.version++
}

func (w *party) duration() int64 {
	if len(w.run.DurationsMs) == 0 {
		return 0
	}
	return w.run.DurationsMs[w.idx]
}

// position is the ms into the track at now: the clock runs only while
// playing.
func (w *party) position(now time.Time) int64 {
	if !w.playing {
		return w.pos
	}
	return min(w.duration(), w.pos+now.Sub(w.anchor).Milliseconds())
}

func (w *party) playback(now time.Time) models.PartyPlayback {
	pb := models.PartyPlayback{TrackIndex: w.idx, PositionMs: w.position(now), Playing: w.playing, Version: w.version, ServerMs: now.UnixMilli()}
	if w.playing {
		pb.Rate = 1
	}
	return pb
}

func (w *party) state(ctx workflow.Context) PartyState {
	return PartyState{PartyID: w.run.PartyID, Status: w.status, ScheduledAt: w.run.ScheduledAt, Playback: w.playback(workflow.Now(ctx)),
		Hosts: append([]uuid.UUID{w.run.ArtistID}, w.cohosts...), Listeners: len(w.listeners), PeakListeners: w.peak, TotalListeners: len(w.seen)}
}

// save upserts PartyStatus when it changed (each upsert is a history
// event and a visibility write) and writes a change to the row. A cancel
// is the api's to write to the row.
func (w *party) save(ctx workflow.Context) error {
	if got, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.PartyStatus); !ok || got != string(w.status) {
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchattr.PartyStatus.ValueSet(string(w.status))); err != nil {
			return err
		}
	}
	if w.status == models.PartyCancelled || (w.status == w.recorded.Status && w.version == w.recorded.Playback.Version) {
		return nil
	}
	now := workflow.Now(ctx)
	r := models.PartyRecord{PartyID: w.run.PartyID, Status: w.status, Playback: w.playback(now), At: now}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	var a *activities.Party
	if err := workflow.ExecuteActivity(actx, a.RecordParty, r).Get(ctx, nil); err != nil {
		return err
	}
	w.recorded = r
	return nil
}
