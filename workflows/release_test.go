package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
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

// releaseTest runs a release in the time-skipping environment with its
// announce activity mocked at the activity boundary: it records what
// would be broadcast and at which workflow time, the ReleasePhase
// upserts and the timers started.
type releaseTest struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	r     models.Release

	mu        sync.Mutex
	announced []announcement
	upserts   []string
	timers    []time.Duration
	fail      map[string]int // announcement key → failures left before it goes through
}

type announcement struct {
	in activities.Announcement
	at time.Duration // workflow time since the start
}

var releaseStart = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func newReleaseTest(t *testing.T, publicIn time.Duration) *releaseTest {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	rt := &releaseTest{t: t, env: s.NewTestWorkflowEnvironment(), start: releaseStart, fail: map[string]int{},
		r: models.Release{ContentID: uuid.New(), ArtistID: uuid.New(), Title: "Night Drive", PublicAt: releaseStart.Add(publicIn)}}
	env := rt.env
	env.SetStartTime(rt.start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.ReleaseID(rt.r.ContentID)})
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		searchattr.ArtistID.ValueSet(rt.r.ArtistID.String()), searchattr.ReleasePhase.ValueSet(string(models.ReleaseScheduled)))))
	env.RegisterWorkflow(workflows.ReleaseWorkflow)
	a := &activities.Release{}
	env.RegisterActivity(a)
	env.OnActivity(a.Announce, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.Announcement) (string, error) {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		if rt.fail[in.Key] > 0 {
			rt.fail[in.Key]--
			return "", errors.New("notifier unavailable")
		}
		rt.announced = append(rt.announced, announcement{in: in, at: env.Now().Sub(rt.start)})
		return "broadcast-" + in.Key, nil
	})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		phase, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(searchattr.ReleasePhase)
		require.True(t, ok, "only ReleasePhase is upserted")
		rt.mu.Lock()
		defer rt.mu.Unlock()
		rt.upserts = append(rt.upserts, phase)
	})
	env.SetOnTimerScheduledListener(func(_ string, d time.Duration) {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		rt.timers = append(rt.timers, d)
	})
	return rt
}

// releaseOutcome is an update's answer, filled in when the run reaches it.
type releaseOutcome struct {
	done bool
	st   workflows.ReleaseState
	err  error
}

func (o *releaseOutcome) refusal() (models.Code, string) {
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
func (rt *releaseTest) update(after time.Duration, name string, args ...any) *releaseOutcome {
	o := &releaseOutcome{}
	rt.env.RegisterDelayedCallback(func() { rt.send(o, nil, name, args...) }, after)
	return o
}

// send sends an update now; then, if not nil, runs once it completed.
func (rt *releaseTest) send(o *releaseOutcome, then func(), name string, args ...any) {
	rt.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { o.done, o.err = true, err },
		OnComplete: func(v any, err error) {
			o.done, o.err = true, err
			if err == nil {
				o.st = v.(workflows.ReleaseState)
			}
			if then != nil {
				then()
			}
		},
	}, args...)
}

// query reads the state after a workflow time since the start.
func (rt *releaseTest) query(after time.Duration) *workflows.ReleaseState {
	st := &workflows.ReleaseState{}
	rt.env.RegisterDelayedCallback(func() {
		v, err := rt.env.QueryWorkflow(workflows.ReleaseQuery)
		require.NoError(rt.t, err)
		require.NoError(rt.t, v.Get(st))
	}, after)
	return st
}

func (rt *releaseTest) run() workflows.ReleaseState {
	rt.env.ExecuteWorkflow(workflows.ReleaseWorkflow, rt.r)
	require.True(rt.t, rt.env.IsWorkflowCompleted())
	require.NoError(rt.t, rt.env.GetWorkflowError())
	var st workflows.ReleaseState
	require.NoError(rt.t, rt.env.GetWorkflowResult(&st))
	return st
}

// phases are the announced phases with the workflow time of each.
type announced struct {
	phase models.ReleasePhase
	at    time.Duration
}

func (rt *releaseTest) check(want ...announced) {
	t := rt.t
	require.Len(t, rt.announced, len(want), "one announcement per phase")
	for i, w := range want {
		got := rt.announced[i]
		require.Equal(t, w.at, got.at, "%s announced at its window", w.phase)
		require.Equal(t, workflows.ReleaseID(rt.r.ContentID)+"/"+string(w.phase), got.in.Key)
		audience := models.NonMembers(rt.r.ArtistID)
		switch w.phase {
		case models.ReleaseEarlySuperfan:
			audience = models.Members(rt.r.ArtistID, models.TierSuperfan)
		case models.ReleaseEarlySupporter:
			audience = models.Members(rt.r.ArtistID, models.TierSupporter)
		}
		require.Equal(t, audience, got.in.Audience, w.phase)
	}
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// A release scheduled three days ahead wakes exactly when each window
// opens, on one timer each, and announces each to its own audience once.
func TestReleaseOpensEachWindowOnItsTimer(t *testing.T) {
	rt := newReleaseTest(t, hours(72))
	mid := rt.query(hours(30))
	st := rt.run()

	rt.check(announced{models.ReleaseEarlySuperfan, hours(24)}, announced{models.ReleaseEarlySupporter, hours(48)}, announced{models.ReleasePublic, hours(72)})
	require.Equal(t, []time.Duration{hours(24), hours(24), hours(24)}, rt.timers, "one timer per wake, to the window")
	require.Equal(t, []string{"early_superfan", "early_supporter", "public", "done"}, rt.upserts, "upserted only on change")
	require.Equal(t, "Early access: Night Drive", rt.announced[0].in.Title)
	require.Equal(t, "Out now: Night Drive", rt.announced[2].in.Title)

	require.Equal(t, models.ReleaseEarlySuperfan, mid.Phase)
	require.Equal(t, rt.start.Add(hours(48)), *mid.NextPhaseAt)
	require.Len(t, mid.Announced, 1)

	require.Equal(t, models.ReleaseDone, st.Phase)
	require.Nil(t, st.NextPhaseAt)
	require.False(t, st.Cancelled)
	require.Equal(t, rt.r.PublicAt, st.PublicAt)
	require.Len(t, st.Announced, 3)
	require.Equal(t, "broadcast-"+workflows.ReleaseID(rt.r.ContentID)+"/public", st.Announced[2].BroadcastID)
}

// A reschedule re-plans the timer; one later sends the release back to an
// earlier phase without announcing anything twice; one earlier opens the
// windows it leaves behind at once.
func TestReleaseReschedules(t *testing.T) {
	rt := newReleaseTest(t, hours(72))
	later := rt.update(hours(1), workflows.UpdateReschedule, rt.start.Add(hours(100)))
	back := rt.update(hours(53), workflows.UpdateReschedule, rt.start.Add(hours(120)))
	earlier := rt.update(hours(80), workflows.UpdateReschedule, rt.start.Add(hours(90)))
	st := rt.run()

	require.NoError(t, later.err)
	require.Equal(t, rt.start.Add(hours(100)), later.st.PublicAt)
	require.Equal(t, rt.start.Add(hours(52)), *later.st.NextPhaseAt)
	require.NoError(t, back.err)
	require.NoError(t, earlier.err)
	require.Equal(t, rt.start.Add(hours(90)), earlier.st.PublicAt)
	require.Equal(t, rt.start.Add(hours(90)), *earlier.st.NextPhaseAt, "the supporter window is open already")

	rt.check(announced{models.ReleaseEarlySuperfan, hours(52)}, announced{models.ReleaseEarlySupporter, hours(80)}, announced{models.ReleasePublic, hours(90)})
	require.Equal(t, []string{"early_superfan", "scheduled", "early_superfan", "early_supporter", "public", "done"}, rt.upserts)
	require.Equal(t, models.ReleaseDone, st.Phase)
	require.Equal(t, rt.start.Add(hours(90)), st.PublicAt)
}

// A time in the past or more than a year ahead is refused with the field
// at fault and changes nothing. A cancel ends the release with nothing
// more announced, and nothing is changed after it (the run is still busy
// with the superfan announcement, which the notifier makes wait).
func TestReleaseRefusesBadTimesAndCancels(t *testing.T) {
	rt := newReleaseTest(t, hours(72))
	rt.fail[workflows.ReleaseID(rt.r.ContentID)+"/early_superfan"] = 3
	past := rt.update(hours(1), workflows.UpdateReschedule, rt.start.Add(hours(0.5)))
	far := rt.update(hours(2), workflows.UpdateReschedule, rt.start.Add(hours(3)+models.MaxReleaseLead))
	after := rt.query(hours(3))
	cancel := rt.update(hours(24)+time.Second/2, workflows.UpdateCancelRelease)
	again := rt.update(hours(24)+time.Second, workflows.UpdateCancelRelease)
	reschedule := rt.update(hours(24)+time.Second, workflows.UpdateReschedule, rt.start.Add(hours(100)))
	st := rt.run()

	for _, o := range []*releaseOutcome{past, far} {
		require.True(t, o.done)
		code, field := o.refusal()
		require.Equal(t, models.CodeInvalid, code, o.err)
		require.Equal(t, "public_at", field)
	}
	require.Equal(t, rt.r.PublicAt, after.PublicAt, "a refused time changes nothing")
	require.Equal(t, rt.start.Add(hours(24)), *after.NextPhaseAt)

	require.NoError(t, cancel.err)
	require.Equal(t, models.ReleaseCancelled, cancel.st.Phase)
	require.True(t, cancel.st.Cancelled)
	for _, o := range []*releaseOutcome{again, reschedule} {
		code, _ := o.refusal()
		require.Equal(t, models.CodeConflict, code, "%+v", o)
	}

	require.Len(t, rt.announced, 1, "the announcement under way goes out; nothing after the cancel")
	require.Equal(t, []string{"early_superfan", "cancelled"}, rt.upserts)
	require.Equal(t, models.ReleaseCancelled, st.Phase)
	require.True(t, st.Cancelled)
	require.Equal(t, rt.r.PublicAt, st.PublicAt)
}

// Once the release time has come nothing can move or cancel it, even
// while its public announcement is still retrying (the notifier is down).
func TestReleaseCannotChangeOncePublic(t *testing.T) {
	rt := newReleaseTest(t, hours(72))
	rt.fail[workflows.ReleaseID(rt.r.ContentID)+"/public"] = 3
	during := rt.query(hours(72) + time.Second/2)
	cancel := rt.update(hours(72)+time.Second/2, workflows.UpdateCancelRelease)
	reschedule := rt.update(hours(72)+time.Second/2, workflows.UpdateReschedule, rt.start.Add(hours(100)))
	st := rt.run()

	require.Equal(t, models.ReleasePublic, during.Phase, "public while it is announced")
	for _, o := range []*releaseOutcome{cancel, reschedule} {
		code, _ := o.refusal()
		require.Equal(t, models.CodeConflict, code, o.err)
	}
	require.Equal(t, models.ReleaseDone, st.Phase)
	require.Len(t, rt.announced, 3)
}

// Windows already open when the run starts (a worker that was down past
// the release time) open at once, in order, each announced to its own
// audience once; as the release is public by then, each says it is out.
func TestReleaseStartedLateOpensEveryWindowAtOnce(t *testing.T) {
	rt := newReleaseTest(t, -hours(1))
	rt.r.Title = strings.Repeat("é", 120) // 240 bytes: clipped to fit a notification title
	st := rt.run()

	rt.check(announced{models.ReleaseEarlySuperfan, 0}, announced{models.ReleaseEarlySupporter, 0}, announced{models.ReleasePublic, 0})
	for _, a := range rt.announced {
		require.Equal(t, "Out now: "+strings.Repeat("é", 75)+"…", a.in.Title)
	}
	require.Empty(t, rt.timers)
	require.Equal(t, []string{"early_superfan", "early_supporter", "public", "done"}, rt.upserts)
	require.Equal(t, models.ReleaseDone, st.Phase)
}

// A release less than 48 h ahead opens the superfan window at once and
// sleeps until the next.
func TestReleaseScheduledInsideAWindow(t *testing.T) {
	rt := newReleaseTest(t, hours(24)+3*time.Second)
	rt.run()

	rt.check(announced{models.ReleaseEarlySuperfan, 0}, announced{models.ReleaseEarlySupporter, 3 * time.Second}, announced{models.ReleasePublic, hours(24) + 3*time.Second})
	require.Equal(t, "Early access: Night Drive", rt.announced[0].in.Title)
	require.Equal(t, []time.Duration{3 * time.Second, hours(24)}, rt.timers)
}

// A cancel that comes while a window is being announced stops the windows
// due after it: here both early windows are open at the start, and the
// notifier makes the superfan announcement wait.
func TestReleaseCancelledWhileAnnouncing(t *testing.T) {
	rt := newReleaseTest(t, hours(24)-time.Second)
	rt.fail[workflows.ReleaseID(rt.r.ContentID)+"/early_superfan"] = 3
	cancel := rt.update(time.Second/2, workflows.UpdateCancelRelease)
	st := rt.run()

	require.NoError(t, cancel.err)
	require.Len(t, rt.announced, 1)
	require.Equal(t, 7*time.Second, rt.announced[0].at, "after three retries")
	require.Equal(t, []string{"early_superfan", "cancelled"}, rt.upserts)
	require.Equal(t, models.ReleaseCancelled, st.Phase)
}
