package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

// A release scheduled 24 h and 5 s ahead on the real dev server opens the
// superfan window at once; the worker is stopped, the supporter window's
// timer fires while no worker runs, and a new worker announces the
// supporter phase, once. Then the client's refusals come back as models
// errors, a second Schedule moves the running release, a cancel ends it,
// and a Schedule after that starts a new run that repeats no broadcast.
func TestReleaseSurvivesAWorkerRestart(t *testing.T) {
	app := testenv.StartApp(t) // its worker runs the broadcasts the releases start
	c := app.Platform.Temporal
	queue := "release-" + uuid.NewString()
	releases := workflows.ReleaseClient{Conn: workflows.Conn{Client: c, TaskQueue: queue}}
	startWorker := func() sdkworker.Worker {
		w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store, Broadcaster: app.Platform.Notify})
		require.NoError(t, w.Start())
		return w
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	artist := uuid.MustParse(app.Register(t, "artist", "Release Artist").User.ID)
	r := models.Release{ContentID: uuid.New(), ArtistID: artist, Title: "Night Drive", PublicAt: time.Now().UTC().Add(24*time.Hour + 5*time.Second)}
	require.NoError(t, app.Platform.Store.CreateContent(ctx, &models.Content{ID: r.ContentID, ArtistID: artist, Kind: models.ContentTrack,
		Title: r.Title, DurationSeconds: 200, MinTier: models.TierFollower, PublicAt: &r.PublicAt, CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	id := workflows.ReleaseID(r.ContentID)

	w := startWorker()
	st, err := releases.Schedule(ctx, r, time.Now())
	require.NoError(t, err)
	require.Equal(t, r.PublicAt.Truncate(time.Microsecond), st.PublicAt.Truncate(time.Microsecond))
	state := func(c *assert.CollectT) workflows.ReleaseState {
		st, err := releases.State(ctx, r.ContentID)
		assert.NoError(c, err)
		return st
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []models.ReleasePhase{models.ReleaseEarlySuperfan}, phases(state(c)))
	}, time.Minute, 50*time.Millisecond, "the superfan window opened at once")
	w.Stop()
	require.False(t, timerFired(ctx, app, id), "the worker stopped before the supporter window opened")

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.True(c, timerFired(ctx, app, id), "the supporter window's timer fired with no worker running")
	}, time.Minute, 100*time.Millisecond)
	w = startWorker()
	defer w.Stop()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st := state(c)
		assert.Equal(c, []models.ReleasePhase{models.ReleaseEarlySuperfan, models.ReleaseEarlySupporter}, phases(st))
		assert.Equal(c, models.ReleaseEarlySupporter, st.Phase)
	}, time.Minute, 50*time.Millisecond, "the new worker opened the supporter window")

	// One broadcast per phase, under the id the state names.
	st, err = releases.State(ctx, r.ContentID)
	require.NoError(t, err)
	for _, a := range st.Announced {
		_, err := c.DescribeWorkflow(ctx, workflows.BroadcastID(a.BroadcastID), "")
		require.NoError(t, err, a.Phase)
	}
	broadcasts := `WorkflowType="BroadcastWorkflow" AND ArtistId="` + r.ArtistID.String() + `"`
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(2), count(ctx, app, broadcasts))
		assert.Equal(c, int64(1), count(ctx, app, `WorkflowType="ReleaseWorkflow" AND ReleasePhase="early_supporter" AND ArtistId="`+r.ArtistID.String()+`"`))
	}, 30*time.Second, 100*time.Millisecond, "the operators' queries find them")

	_, err = releases.Reschedule(ctx, r.ContentID, time.Now().Add(-time.Minute))
	require.Equal(t, &models.Error{Code: models.CodeInvalid, Message: "the release time is in the past", Field: "public_at"}, err)
	_, err = releases.Schedule(ctx, r, time.Now().Add(models.MaxReleaseLead+time.Hour))
	require.Equal(t, models.CodeInvalid, models.ErrorCode(err))

	later := r
	later.PublicAt = time.Now().UTC().Add(30 * time.Hour).Truncate(time.Second)
	st, err = releases.Schedule(ctx, later, time.Now())
	require.NoError(t, err, "a second Schedule moves the running release")
	require.Equal(t, later.PublicAt, st.PublicAt)
	require.Equal(t, later.PublicAt.Add(-24*time.Hour), *st.NextPhaseAt)

	st, err = releases.Cancel(ctx, r.ContentID)
	require.NoError(t, err)
	require.True(t, st.Cancelled)
	var end workflows.ReleaseState
	require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, &end))
	require.Equal(t, models.ReleaseCancelled, end.Phase)
	require.Len(t, end.Announced, 2)
	_, err = releases.Cancel(ctx, r.ContentID)
	require.Equal(t, models.CodeNotFound, models.ErrorCode(err), "an ended release runs no more")
	require.Equal(t, int64(2), count(ctx, app, broadcasts), "nothing more was announced")
	testenv.RecordHistory(t, c, id, "release_v1.json")

	// Scheduled again, the release is a new run whose open window is
	// announced under the broadcast id of the first: nobody hears it twice.
	st, err = releases.Schedule(ctx, later, time.Now())
	require.NoError(t, err)
	require.False(t, st.Cancelled)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		again := state(c)
		if assert.Len(c, again.Announced, 1) {
			assert.Equal(c, models.ReleaseEarlySuperfan, again.Announced[0].Phase)
			assert.Equal(c, end.Announced[0].BroadcastID, again.Announced[0].BroadcastID)
		}
	}, time.Minute, 50*time.Millisecond)
	require.Equal(t, int64(2), count(ctx, app, broadcasts))
	_, err = releases.Cancel(ctx, r.ContentID)
	require.NoError(t, err)
}

func phases(st workflows.ReleaseState) []models.ReleasePhase {
	var out []models.ReleasePhase
	for _, a := range st.Announced {
		out = append(out, a.Phase)
	}
	return out
}

// timerFired reports whether a timer of the workflow has fired.
func timerFired(ctx context.Context, app *testenv.App, id string) bool {
	return hasEvent(ctx, app, id, enumspb.EVENT_TYPE_TIMER_FIRED)
}

// hasEvent reports whether the workflow's history holds an event of the type.
func hasEvent(ctx context.Context, app *testenv.App, id string, eventType enumspb.EventType) bool {
	iter := app.Platform.Temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return false
		}
		if e.GetEventType() == eventType {
			return true
		}
	}
	return false
}

// count is how many workflows a visibility query finds (-1 on error).
func count(ctx context.Context, app *testenv.App, query string) int64 {
	resp, err := app.Platform.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	if err != nil {
		return -1
	}
	return resp.GetCount()
}
