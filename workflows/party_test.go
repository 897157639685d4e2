package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// partyTest runs a party in the time-skipping environment, an hour before
// it starts, with its row-writing activity mocked at the activity
// boundary: it records what would be written and when, the PartyStatus
// upserts and the timers started.
type partyTest struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	start  time.Time
	run    models.PartyRun
	cohost uuid.UUID

	mu        sync.Mutex
	records   []models.PartyRecord
	upserts   []string
	timers    []time.Duration
	announced []partyAnnounced
	discord   []activities.PartyAnnouncement
	stats     []models.PartyStats
}

// partyAnnounced is an announcement as the activity got it, and when.
type partyAnnounced struct {
	in activities.PartyAnnouncement
	at time.Duration // since the start
}

func newPartyTest(t *testing.T) *partyTest {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	pt := &partyTest{t: t, env: s.NewTestWorkflowEnvironment(), start: releaseStart, cohost: uuid.New()}
	pt.run = models.PartyRun{PartyID: uuid.New(), ArtistID: uuid.New(), ScheduledAt: pt.start.Add(time.Hour),
		DurationsMs: []int64{60_000, 90_000, 30_000}, CoHosts: []uuid.UUID{pt.cohost}}
	env := pt.env
	env.SetStartTime(pt.start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.PartyID(pt.run.PartyID)})
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		searchattr.ArtistID.ValueSet(pt.run.ArtistID.String()), searchattr.PartyStatus.ValueSet(string(models.PartyScheduled)))))
	env.RegisterWorkflow(workflows.PartyWorkflow)
	a := &activities.Party{}
	env.RegisterActivity(a)
	env.OnActivity(a.RecordParty, mock.Anything, mock.Anything).Return(func(_ context.Context, r models.PartyRecord) error {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.records = append(pt.records, r)
		return nil
	})
	env.OnActivity(a.AnnounceParty, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PartyAnnouncement) (string, error) {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.announced = append(pt.announced, partyAnnounced{in, env.Now().Sub(pt.start)})
		return "b-" + in.Key, nil
	})
	env.OnActivity(a.AnnounceOnDiscord, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PartyAnnouncement) error {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.discord = append(pt.discord, in)
		return nil
	})
	env.OnActivity(a.RecordPartyStats, mock.Anything, mock.Anything).Return(func(_ context.Context, st models.PartyStats) error {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.stats = append(pt.stats, st)
		return nil
	})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		status, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(searchattr.PartyStatus)
		require.True(t, ok, "only PartyStatus is upserted")
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.upserts = append(pt.upserts, status)
	})
	env.SetOnTimerScheduledListener(func(_ string, d time.Duration) {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		pt.timers = append(pt.timers, d)
	})
	return pt
}

// live is a workflow time after the party went live.
func (pt *partyTest) live(d time.Duration) time.Duration { return time.Hour + d }

type partyOutcome struct {
	done bool
	pb   models.PartyPlayback
	err  error
}

func (o *partyOutcome) refusal() (models.Code, string) {
	var app *temporal.ApplicationError
	if !errors.As(o.err, &app) {
		return "", ""
	}
	var field string
	if app.HasDetails() {
		_ = app.Details(&field)
	}
	return models.Code(app.Type()), field
}

// update sends an update after a workflow time since the start.
func (pt *partyTest) update(after time.Duration, name string, args ...any) *partyOutcome {
	o := &partyOutcome{}
	pt.env.RegisterDelayedCallback(func() {
		pt.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.done, o.err = true, err },
			OnComplete: func(v any, err error) {
				o.done, o.err = true, err
				if pb, ok := v.(models.PartyPlayback); ok {
					o.pb = pb
				}
			},
		}, args...)
	}, after)
	return o
}

func (pt *partyTest) host(after time.Duration, name string, positionMs int64) *partyOutcome {
	return pt.update(after, name, workflows.PlaybackInput{UserID: pt.run.ArtistID, PositionMs: positionMs})
}

func (pt *partyTest) query(after time.Duration) *workflows.PartyState {
	st := &workflows.PartyState{}
	pt.env.RegisterDelayedCallback(func() {
		v, err := pt.env.QueryWorkflow(workflows.PartyQuery)
		require.NoError(pt.t, err)
		require.NoError(pt.t, v.Get(st))
	}, after)
	return st
}

func (pt *partyTest) finish() workflows.PartyState {
	pt.env.ExecuteWorkflow(workflows.PartyWorkflow, pt.run)
	require.True(pt.t, pt.env.IsWorkflowCompleted())
	require.NoError(pt.t, pt.env.GetWorkflowError())
	var st workflows.PartyState
	require.NoError(pt.t, pt.env.GetWorkflowResult(&st))
	return st
}

// at is a playback's place: track, position, playing.
type at struct {
	track   int
	pos     int64
	playing bool
}

func place(pb models.PartyPlayback) at { return at{pb.TrackIndex, pb.PositionMs, pb.Playing} }

// ended is when the last record (the end) was written, since the start.
func (pt *partyTest) ended() time.Duration {
	last := pt.records[len(pt.records)-1]
	require.Equal(pt.t, models.PartyEnded, last.Status)
	return last.At.Sub(pt.start)
}

// A party goes live at its time, moves to each next track on that
// track's timer, and ends the grace after the last; PartyStatus is
// upserted only when it changes, and the row hears each change.
func TestPartyWholeLife(t *testing.T) {
	pt := newPartyTest(t)
	before := pt.query(30 * time.Minute)
	first := pt.query(pt.live(30 * time.Second))
	second := pt.query(pt.live(61 * time.Second))
	done := pt.query(pt.live(181 * time.Second))
	st := pt.finish()

	require.Equal(t, models.PartyScheduled, before.Status)
	require.Equal(t, []uuid.UUID{pt.run.ArtistID, pt.cohost}, before.Hosts)
	require.Equal(t, models.PartyLive, first.Status)
	require.Equal(t, at{0, 30_000, true}, place(first.Playback))
	require.Equal(t, 1.0, first.Playback.Rate)
	require.Equal(t, pt.start.Add(pt.live(30*time.Second)).UnixMilli(), first.Playback.ServerMs)
	require.Equal(t, at{1, 1_000, true}, place(second.Playback))
	require.Equal(t, at{2, 30_000, false}, place(done.Playback), "the playlist is done; the party waits out the grace")
	require.Equal(t, models.PartyLive, done.Status)

	require.Equal(t, []time.Duration{45 * time.Minute, 15 * time.Minute, time.Minute, 90 * time.Second, 30 * time.Second, workflows.PartyGrace}, pt.timers,
		"the 15-minute reminder, the start, one timer per track end")
	require.Equal(t, []string{"live", "ended"}, pt.upserts, "upserted only on change")
	require.Equal(t, pt.live(180*time.Second+workflows.PartyGrace), pt.ended())
	var versions []int64
	for _, r := range pt.records {
		versions = append(versions, r.Playback.Version)
	}
	require.Equal(t, []int64{1, 2, 3, 4, 5}, versions, "live, two track changes, the playlist done, ended")
	require.Equal(t, models.PartyEnded, st.Status)
}

// A pause stops the clock: nothing advances while paused, and play (by a
// co-host) resumes from the position.
func TestPartyPauseStopsTheClock(t *testing.T) {
	pt := newPartyTest(t)
	pause := pt.host(pt.live(20*time.Second), workflows.UpdatePause, 0)
	paused := pt.query(pt.live(5 * time.Minute))
	play := pt.update(pt.live(10*time.Minute), workflows.UpdatePlay, workflows.PlaybackInput{UserID: pt.cohost})
	resumed := pt.query(pt.live(10*time.Minute + 45*time.Second))
	pt.finish()

	require.NoError(t, pause.err)
	require.Equal(t, at{0, 20_000, false}, place(pause.pb))
	require.Equal(t, 0.0, pause.pb.Rate)
	require.Equal(t, int64(2), pause.pb.Version)
	require.Equal(t, at{0, 20_000, false}, place(paused.Playback), "the clock stopped")
	require.NoError(t, play.err)
	require.Equal(t, at{0, 20_000, true}, place(play.pb))
	require.Equal(t, at{1, 5_000, true}, place(resumed.Playback), "the first track ended 40 s after play")
	require.Equal(t, pt.live(10*time.Minute+160*time.Second+workflows.PartyGrace), pt.ended())
}

// A seek outside the track is refused with the field at fault and
// changes nothing; one inside moves the track's end.
func TestPartySeek(t *testing.T) {
	pt := newPartyTest(t)
	below := pt.host(pt.live(time.Second), workflows.UpdateSeek, -1)
	past := pt.host(pt.live(time.Second), workflows.UpdateSeek, 60_001)
	seek := pt.host(pt.live(2*time.Second), workflows.UpdateSeek, 50_000)
	after := pt.query(pt.live(13 * time.Second))
	pt.finish()

	for _, o := range []*partyOutcome{below, past} {
		require.True(t, o.done)
		code, field := o.refusal()
		require.Equal(t, models.CodeInvalid, code, o.err)
		require.Equal(t, "position_ms", field)
	}
	require.NoError(t, seek.err)
	require.Equal(t, at{0, 50_000, true}, place(seek.pb))
	require.Equal(t, int64(2), seek.pb.Version, "refusals changed nothing")
	require.Equal(t, at{1, 1_000, true}, place(after.Playback), "the track ended 10 s after the seek")
}

// Someone who does not host the party is refused, and the playback is
// as it was; so is anyone before the party is live.
func TestPartyRefusesNonHosts(t *testing.T) {
	pt := newPartyTest(t)
	early := pt.host(30*time.Minute, workflows.UpdatePlay, 0)
	fan := pt.update(pt.live(10*time.Second), workflows.UpdatePause, workflows.PlaybackInput{UserID: uuid.New()})
	ending := pt.update(pt.live(10*time.Second), workflows.UpdateEndParty, workflows.PlaybackInput{UserID: uuid.New()})
	after := pt.query(pt.live(20 * time.Second))
	pt.finish()

	code, _ := early.refusal()
	require.Equal(t, models.CodeConflict, code, early.err)
	for _, o := range []*partyOutcome{fan, ending} {
		code, _ := o.refusal()
		require.Equal(t, models.CodeForbidden, code, o.err)
	}
	require.Equal(t, at{0, 20_000, true}, place(after.Playback))
	require.Equal(t, int64(1), after.Playback.Version)
}

// A cancel before the party starts stops it: it never goes live, and the
// row (the api's to cancel) is not written.
func TestPartyCancelBeforeStart(t *testing.T) {
	pt := newPartyTest(t)
	cancel := pt.update(30*time.Minute, workflows.UpdateCancelParty)
	st := pt.finish()

	require.NoError(t, cancel.err)
	require.Equal(t, models.PartyCancelled, st.Status)
	require.Equal(t, []string{"cancelled"}, pt.upserts)
	require.Empty(t, pt.records)
	require.Empty(t, pt.announced, "no reminder")
	require.Equal(t, []time.Duration{45 * time.Minute}, pt.timers, "the 15-minute reminder's")
}

// A host ends the party at once, where it is; then nothing changes it.
func TestPartyHostEnds(t *testing.T) {
	pt := newPartyTest(t)
	end := pt.update(pt.live(10*time.Second), workflows.UpdateEndParty, workflows.PlaybackInput{UserID: pt.cohost})
	again := pt.host(pt.live(10*time.Second), workflows.UpdatePlay, 0)
	cancel := pt.update(pt.live(10*time.Second), workflows.UpdateCancelParty)
	st := pt.finish()

	require.NoError(t, end.err)
	require.Equal(t, at{0, 10_000, false}, place(end.pb))
	for _, o := range []*partyOutcome{again, cancel} {
		code, _ := o.refusal()
		require.Equal(t, models.CodeConflict, code, o.err)
	}
	require.Equal(t, models.PartyEnded, st.Status)
	require.Equal(t, pt.live(10*time.Second), pt.ended())
	require.Equal(t, []string{"live", "ended"}, pt.upserts)
}

// signal sends a roster batch after a workflow time since the start; its
// At is that time.
func (pt *partyTest) roster(after time.Duration, joined, left []uuid.UUID) {
	pt.env.RegisterDelayedCallback(func() {
		pt.env.SignalWorkflow(workflows.SignalRoster, models.PartyRoster{Joined: joined, Left: left, At: pt.start.Add(after)})
	}, after)
}

func (pt *partyTest) moments() map[activities.PartyMoment]time.Duration {
	out := map[activities.PartyMoment]time.Duration{}
	for _, a := range pt.announced {
		_, dup := out[a.in.Moment]
		require.False(pt.t, dup, "%s announced twice", a.in.Moment)
		out[a.in.Moment] = a.at
	}
	return out
}

// A party two days ahead reminds its guests exactly a day and 15 minutes
// before, announces itself once when it goes live (and on Discord), each
// under a key of its own naming the party (and a reminder, the start).
func TestPartyRemindsAndAnnounces(t *testing.T) {
	pt := newPartyTest(t)
	pt.run.ScheduledAt = pt.start.Add(48 * time.Hour)
	pt.finish()

	require.Equal(t, map[activities.PartyMoment]time.Duration{
		activities.PartyReminder24h: 24 * time.Hour, activities.PartyReminder15m: 48*time.Hour - 15*time.Minute, activities.PartyLive: 48 * time.Hour,
	}, pt.moments())
	id, at := workflows.PartyID(pt.run.PartyID), strconv.FormatInt(pt.run.ScheduledAt.Unix(), 10)
	keys := []string{}
	for _, a := range pt.announced {
		require.Equal(t, pt.run.PartyID, a.in.PartyID)
		keys = append(keys, a.in.Key)
	}
	require.Equal(t, []string{id + "/reminder-24h/" + at, id + "/reminder-15m/" + at, id + "/live"}, keys)
	require.Len(t, pt.discord, 1)
	require.Equal(t, activities.PartyAnnouncement{PartyID: pt.run.PartyID, Moment: activities.PartyLive, Key: id + "/live"}, pt.discord[0])
}

// A reminder whose time has passed when the party is made is skipped, not
// sent late: a party 10 minutes ahead is only announced live.
func TestPartySkipsPastReminders(t *testing.T) {
	pt := newPartyTest(t)
	pt.run.ScheduledAt = pt.start.Add(10 * time.Minute)
	pt.finish()

	require.Equal(t, map[activities.PartyMoment]time.Duration{activities.PartyLive: 10 * time.Minute}, pt.moments())
	require.Equal(t, 10*time.Minute, pt.timers[0], "no timer for a past reminder")
}

// The roster counts who listens: batches before the party is live are
// ignored; a user joins once however often a batch says so; the peak is
// the most at once, the total everyone; listening time runs from each
// join to its leave (or the end), and the stats are written once, before
// the row says ended.
func TestPartyRoster(t *testing.T) {
	pt := newPartyTest(t)
	a, b, c, d := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	pt.roster(30*time.Minute, []uuid.UUID{a, b, c}, nil) // not live yet
	pt.roster(pt.live(10*time.Second), []uuid.UUID{a, b}, nil)
	pt.roster(pt.live(20*time.Second), []uuid.UUID{a, c}, []uuid.UUID{b}) // a again: still once
	pt.roster(pt.live(30*time.Second), []uuid.UUID{b, d}, []uuid.UUID{c, uuid.New()})
	pt.roster(pt.live(50*time.Second), nil, []uuid.UUID{d})
	during := pt.query(pt.live(60 * time.Second))
	end := pt.update(pt.live(100*time.Second), workflows.UpdateEndParty, workflows.PlaybackInput{UserID: pt.run.ArtistID})
	before := pt.query(pt.live(5 * time.Second))
	st := pt.finish()

	require.NoError(t, end.err)
	require.Equal(t, 0, before.Listeners, "nothing counted before it was live")
	require.Equal(t, 2, during.Listeners, "a and b")
	require.Equal(t, 3, during.PeakListeners, "a, b and d from 30 s to 50 s")
	require.Equal(t, 4, during.TotalListeners)
	// a: 10 s → 100 s; b: 10 → 20 s and 30 → 100 s; c: 20 → 30 s; d: 30 → 50 s.
	want := models.PartyStats{PartyID: pt.run.PartyID, PeakListeners: 3, TotalListeners: 4, ListeningMs: (90 + 10 + 70 + 10 + 20) * 1000,
		EndedAt: pt.start.Add(pt.live(100 * time.Second))}
	require.Len(t, pt.stats, 1)
	require.True(t, want.EndedAt.Equal(pt.stats[0].EndedAt))
	pt.stats[0].EndedAt = want.EndedAt
	require.Equal(t, want, pt.stats[0])
	require.Equal(t, 3, st.PeakListeners)
	require.Equal(t, 0, st.Listeners, "everyone's time closed at the end")
}

// A run past its history limit continues as new carrying the whole party: its clock (the
// next track's timer falls where it would have), the roster and stats so
// far, and the announcements made (none is made again).
func TestPartyContinuesAsNew(t *testing.T) {
	pt := newPartyTest(t)
	a, b := uuid.New(), uuid.New()
	pt.roster(pt.live(10*time.Second), []uuid.UUID{a, b}, nil)
	pause := pt.host(pt.live(20*time.Second), workflows.UpdatePause, 0)
	play := pt.host(pt.live(30*time.Second), workflows.UpdatePlay, 0)
	pt.run.HistoryLimit = 500 // the test environment's history is as long as it is told
	pt.env.RegisterDelayedCallback(func() { pt.env.SetCurrentHistoryLength(500) }, pt.live(39*time.Second))
	pt.roster(pt.live(40*time.Second), nil, []uuid.UUID{b})
	pt.env.ExecuteWorkflow(workflows.PartyWorkflow, pt.run)
	require.NoError(t, pause.err)
	require.NoError(t, play.err)

	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, pt.env.GetWorkflowError(), &can)
	var next models.PartyRun
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	r := next.Resume
	require.NotNil(t, r)
	require.Equal(t, models.PartyLive, r.Status)
	require.Equal(t, int64(20_000), r.PositionMs, "paused 10 s at 20 s")
	require.True(t, r.Playing)
	require.Equal(t, int64(3), r.Version)
	require.Equal(t, []models.PartyAttendee{{UserID: a, Since: pt.start.Add(pt.live(10 * time.Second))}}, r.Listeners)
	require.Len(t, r.Seen, 2)
	require.Equal(t, 2, r.Peak)
	require.Equal(t, int64(30_000), r.ListeningMs, "b's 30 s")
	require.True(t, r.Announced[string(activities.PartyLive)])
	require.Len(t, pt.moments(), 2, "the 15-minute reminder and live")

	// The next run, from where the first stopped.
	pt2 := newPartyTest(t)
	pt2.start, pt2.run = pt.start.Add(pt.live(40*time.Second)), next
	pt2.env.SetStartTime(pt2.start)
	after := pt2.query(35 * time.Second)
	end := pt2.update(45*time.Second, workflows.UpdateEndParty, workflows.PlaybackInput{UserID: next.ArtistID})
	st := pt2.finish()
	require.NoError(t, end.err)
	require.Empty(t, pt2.announced, "nothing announced again")
	require.Equal(t, 30*time.Second, pt2.timers[0], "the first track still ends at 70 s (paused from 20 s to 30 s)")
	require.Equal(t, at{1, 5_000, true}, place(after.Playback))
	require.Equal(t, int64(4), after.Playback.Version)
	require.Len(t, pt2.stats, 1)
	require.Equal(t, models.PartyStats{PartyID: next.PartyID, PeakListeners: 2, TotalListeners: 2, ListeningMs: 30_000 + 75_000,
		EndedAt: pt2.stats[0].EndedAt}, pt2.stats[0], "b's 30 s, then a's 10 s → 85 s")
	require.Equal(t, models.PartyEnded, st.Status)
}

// A scheduled party moves: the state shows the new start, the timers
// follow it, and its reminders are planned again for the new time. Past,
// too far, an empty or a zero-length playlist are refused with the field
// at fault; once live a reschedule is a conflict.
func TestPartyReschedule(t *testing.T) {
	pt := newPartyTest(t)
	newAt := pt.start.Add(3 * time.Hour)
	bad := map[string]workflows.PartyReschedule{
		"scheduled_at/past": {ScheduledAt: pt.start, DurationsMs: []int64{1000}},
		"scheduled_at/far":  {ScheduledAt: pt.start.Add(366 * 24 * time.Hour), DurationsMs: []int64{1000}},
		"playlist/empty":    {ScheduledAt: newAt},
		"playlist/zero":     {ScheduledAt: newAt, DurationsMs: []int64{1000, 0}},
		"playlist/too long": {ScheduledAt: newAt, DurationsMs: []int64{13 * 3600 * 1000}},
	}
	refused := map[string]*partyOutcome{}
	for name, in := range bad {
		refused[name] = pt.update(10*time.Minute, workflows.UpdateReschedule, in)
	}
	moved := pt.update(20*time.Minute, workflows.UpdateReschedule, workflows.PartyReschedule{ScheduledAt: newAt, DurationsMs: []int64{30_000}})
	state := pt.query(21 * time.Minute)
	late := pt.update(3*time.Hour+time.Second, workflows.UpdateReschedule, workflows.PartyReschedule{ScheduledAt: newAt.Add(time.Hour), DurationsMs: []int64{1000}})
	pt.finish()

	for name, o := range refused {
		code, field := o.refusal()
		require.Equal(t, models.CodeInvalid, code, name)
		require.Equal(t, name[:strings.Index(name, "/")], field, name)
	}
	require.NoError(t, moved.err)
	require.True(t, newAt.Equal(state.ScheduledAt))
	code, _ := late.refusal()
	require.Equal(t, models.CodeConflict, code, late.err)
	require.Equal(t, map[activities.PartyMoment]time.Duration{
		activities.PartyReminder15m: 3*time.Hour - 15*time.Minute, activities.PartyLive: 3 * time.Hour,
	}, pt.moments(), "the 15-minute reminder of the new time only")
	require.Equal(t, strconv.FormatInt(newAt.Unix(), 10), pt.announced[0].in.Key[strings.LastIndex(pt.announced[0].in.Key, "/")+1:])
	require.Equal(t, 3*time.Hour+30*time.Second+workflows.PartyGrace, pt.ended(), "the new playlist played")
}
