package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

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
