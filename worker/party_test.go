package worker_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

// A party on the real dev server goes live at its time and its row with
// it; the host pauses and seeks, a fan and a bad seek are refused as
// models errors, the host ends it and the row says so; the operators'
// query finds it. A second party cancelled before its time never starts.
func TestPartyOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	queue := "party-" + uuid.NewString()
	parties := workflows.PartyClient{Conn: workflows.Conn{Client: c, TaskQueue: queue}}
	w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store, Broadcaster: app.Platform.Notify})
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	artist := uuid.MustParse(app.Register(t, "artist", "Party Artist").User.ID)
	fan := uuid.MustParse(app.Register(t, "fan", "Party Fan").User.ID)
	newParty := func(at time.Time) models.PartyRun {
		p := &models.Party{ID: models.NewID(), ArtistID: artist, Title: "P", ScheduledAt: at, MinTier: models.TierFollower, Capacity: 10,
			Status: models.PartyScheduled, CreatedAt: time.Now(), UpdatedAt: time.Now(),
			Playlist: []models.PartyTrack{{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", Title: "T", DurationMs: 600_000}}}
		require.NoError(t, app.Platform.Store.CreateParty(ctx, p))
		run := models.PartyRun{PartyID: p.ID, ArtistID: artist, ScheduledAt: at, DurationsMs: []int64{600_000}}
		require.NoError(t, parties.Start(ctx, run))
		require.NoError(t, parties.Start(ctx, run), "a second start keeps the run")
		return run
	}
	row := func(c *assert.CollectT, id uuid.UUID) *models.Party {
		p, err := app.Platform.Store.Party(ctx, id)
		assert.NoError(c, err)
		if p == nil {
			return &models.Party{}
		}
		return p
	}

	run := newParty(time.Now().UTC())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p := row(c, run.PartyID)
		assert.Equal(c, models.PartyLive, p.Status)
		assert.True(c, p.Playing)
	}, time.Minute, 50*time.Millisecond, "the row went live")

	pb, err := parties.Playback(ctx, run.PartyID, workflows.UpdatePause, artist, 0)
	require.NoError(t, err)
	require.False(t, pb.Playing)
	pb, err = parties.Playback(ctx, run.PartyID, workflows.UpdateSeek, artist, 300_000)
	require.NoError(t, err)
	require.Equal(t, int64(300_000), pb.PositionMs)
	_, err = parties.Playback(ctx, run.PartyID, workflows.UpdatePlay, fan, 0)
	require.Equal(t, models.CodeForbidden, models.ErrorCode(err))
	_, err = parties.Playback(ctx, run.PartyID, workflows.UpdateSeek, artist, 600_001)
	require.Equal(t, &models.Error{Code: models.CodeInvalid, Message: "the position is outside the track (0 to 600000 ms)", Field: "position_ms"}, err)
	st, err := parties.State(ctx, run.PartyID)
	require.NoError(t, err)
	require.Equal(t, models.PartyPlayback{TrackIndex: 0, PositionMs: 300_000, Version: 3, ServerMs: st.Playback.ServerMs}, st.Playback)

	_, err = parties.Playback(ctx, run.PartyID, workflows.UpdateEndParty, artist, 0)
	require.NoError(t, err)
	var end workflows.PartyState
	require.NoError(t, c.GetWorkflow(ctx, workflows.PartyID(run.PartyID), "").Get(ctx, &end))
	require.Equal(t, models.PartyEnded, end.Status)
	p, err := app.Platform.Store.Party(ctx, run.PartyID)
	require.NoError(t, err)
	require.Equal(t, models.PartyEnded, p.Status, "the row ended before the run")
	require.Equal(t, int64(300_000), p.PositionMs)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(1), count(ctx, app, `WorkflowType="PartyWorkflow" AND PartyStatus="ended" AND ArtistId="`+artist.String()+`"`))
	}, 30*time.Second, 100*time.Millisecond, "the operators' query finds it")
	_, err = parties.Playback(ctx, run.PartyID, workflows.UpdatePlay, artist, 0)
	require.Equal(t, models.CodeNotFound, models.ErrorCode(err), "an ended party runs no more")
	err = parties.Start(ctx, run)
	require.Equal(t, models.CodeConflict, models.ErrorCode(err), "nor starts again: %T %v", err, err)
	// party_v1.json was recorded here before party-v2; TestPartyV2OnTheDevServer records party_v2.json.

	later := newParty(time.Now().UTC().Add(time.Hour))
	_, err = parties.Playback(ctx, later.PartyID, workflows.UpdatePlay, artist, 0)
	require.Equal(t, models.CodeConflict, models.ErrorCode(err), "not live yet")
	st, err = parties.Cancel(ctx, later.PartyID)
	require.NoError(t, err)
	require.Equal(t, models.PartyCancelled, st.Status)
	require.NoError(t, c.GetWorkflow(ctx, workflows.PartyID(later.PartyID), "").Get(ctx, &end))
	require.Equal(t, models.PartyCancelled, end.Status)
}

// broadcasts records the announcements a party starts.
type broadcasts struct {
	mu   sync.Mutex
	sent []sentBroadcast
}

type sentBroadcast struct {
	audience models.Audience
	n        notify.Notification
	key      string
}

func (b *broadcasts) Broadcast(_ context.Context, audience models.Audience, n notify.Notification, key string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, sentBroadcast{audience, n, key})
	return key, nil
}

func (b *broadcasts) keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, s := range b.sent {
		out = append(out, s.key)
	}
	return out
}

// discord records the posts to artists' webhooks.
type discord struct {
	mu    sync.Mutex
	posts []activities.DiscordMessage
}

func (d *discord) Announce(_ context.Context, _ uuid.UUID, msg activities.DiscordMessage) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.posts = append(d.posts, msg)
	return nil
}

// A party of party-v2 on the dev server, with its activities reading the
// real row: the 15-minute reminder of a party made 15 minutes ahead, a
// reschedule to now (the reminder of the new time is past: skipped), the
// live announcement to its guests and on Discord with the share link, the
// roster, a playback update, the end with its stats on the row beside the
// chat and reaction counts. Recorded as party_v2.json.
func TestPartyV2OnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	queue := "party-" + uuid.NewString()
	parties := workflows.PartyClient{Conn: workflows.Conn{Client: c, TaskQueue: queue}}
	sent, posts := &broadcasts{}, &discord{}
	w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store, Broadcaster: sent, Discord: posts, PublicURL: "https://fanfare.test/"})
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	artist := uuid.MustParse(app.Register(t, "artist", "Party Artist").User.ID)
	a, b := uuid.New(), uuid.New()
	at := time.Now().UTC().Add(15*time.Minute + 2*time.Second)
	p, run := partyRow(t, app, artist, at, 600_000)
	p.Title, p.MinTier = "Night Drive", models.TierSupporter
	require.NoError(t, app.Platform.Store.UpdateParty(ctx, p))
	require.NoError(t, parties.Start(ctx, run))
	id := workflows.PartyID(p.ID)
	remind := id + "/reminder-15m/" + strconv.FormatInt(at.Unix(), 10)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []string{remind}, sent.keys())
	}, time.Minute, 50*time.Millisecond, "the 15-minute reminder, once its time came")

	_, err := parties.Reschedule(ctx, p.ID, time.Now().Add(-2*time.Hour), []int64{600_000})
	require.Equal(t, &models.Error{Code: models.CodeInvalid, Message: "scheduled_at is in the past", Field: "scheduled_at"}, err)
	now := time.Now().UTC()
	p.ScheduledAt, p.Playlist[0].DurationMs = now, 300_000
	require.NoError(t, app.Platform.Store.UpdateParty(ctx, p))
	st, err := parties.Reschedule(ctx, p.ID, now, []int64{300_000})
	require.NoError(t, err)
	require.True(t, now.Equal(st.ScheduledAt))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err := parties.State(ctx, p.ID)
		assert.NoError(c, err)
		assert.Equal(c, models.PartyLive, st.Status)
		assert.Equal(c, []string{remind, id + "/live"}, sent.keys())
	}, time.Minute, 50*time.Millisecond, "live, announced once")
	sent.mu.Lock()
	live := sent.sent[1]
	sent.mu.Unlock()
	require.Equal(t, models.PartyGuests(artist, p.ID, models.TierSupporter, models.TierSuperfan), live.audience, "RSVPs and members who can get in")
	require.Equal(t, notify.Notification{Category: "party", GroupKey: "party/" + p.ID.String(), Title: "Live now: Night Drive",
		Body: "The listening party has started: join in."}, live.n)

	require.NoError(t, parties.Roster(ctx, p.ID, models.PartyRoster{Joined: []uuid.UUID{a, b}, At: time.Now()}))
	time.Sleep(50 * time.Millisecond) // the roster's At orders the leave after the join
	require.NoError(t, parties.Roster(ctx, p.ID, models.PartyRoster{Left: []uuid.UUID{b}, At: time.Now()}))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err := parties.State(ctx, p.ID)
		assert.NoError(c, err)
		assert.Equal(c, [3]int{1, 2, 2}, [3]int{st.Listeners, st.PeakListeners, st.TotalListeners})
	}, time.Minute, 50*time.Millisecond, "the roster")
	_, err = parties.Playback(ctx, p.ID, workflows.UpdatePause, artist, 0)
	require.NoError(t, err)
	require.NoError(t, app.Platform.Store.AddPartyCounts(ctx, p.ID, 4, 5))
	_, err = parties.Playback(ctx, p.ID, workflows.UpdateEndParty, artist, 0)
	require.NoError(t, err)
	var end workflows.PartyState
	require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, &end))
	require.Equal(t, models.PartyEnded, end.Status)
	row, err := app.Platform.Store.Party(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, models.PartyEnded, row.Status)
	require.Equal(t, [4]int64{2, 2, 4, 5}, [4]int64{int64(row.PeakListeners), int64(row.TotalListeners), row.ChatMessages, row.Reactions})
	require.Positive(t, row.ListeningMs)
	posts.mu.Lock()
	require.Equal(t, []activities.DiscordMessage{{Content: "Listening party live now: Night Drive https://fanfare.test/p/" + p.ID.String(),
		URL: "https://fanfare.test/p/" + p.ID.String(), Key: id + "/live"}}, posts.posts)
	posts.mu.Unlock()
	testenv.RecordHistory(t, c, id, "party_v2.json")
}

// A live party keeps its clock with no worker running: the track's timer
// fires on the server while the worker is down, and a new worker moves
// the party (and its row) to the next track.
func TestPartySurvivesAWorkerRestart(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	queue := "party-" + uuid.NewString()
	parties := workflows.PartyClient{Conn: workflows.Conn{Client: c, TaskQueue: queue}}
	startWorker := func() sdkworker.Worker {
		w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store, Broadcaster: &broadcasts{}})
		require.NoError(t, w.Start())
		return w
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	artist := uuid.MustParse(app.Register(t, "artist", "Party Artist").User.ID)
	p, run := partyRow(t, app, artist, time.Now().UTC(), 10_000, 600_000)
	w := startWorker()
	require.NoError(t, parties.Start(ctx, run))
	row := func(c *assert.CollectT) *models.Party {
		got, err := app.Platform.Store.Party(ctx, p.ID)
		assert.NoError(c, err)
		if got == nil {
			return &models.Party{}
		}
		return got
	}
	id := workflows.PartyID(p.ID)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := row(c)
		assert.Equal(c, models.PartyLive, got.Status)
		assert.Equal(c, 0, got.TrackIndex)
		assert.True(c, hasEvent(ctx, app, id, enumspb.EVENT_TYPE_TIMER_STARTED), "the track's timer is set")
	}, time.Minute, 50*time.Millisecond, "live on the first track")
	w.Stop()
	require.False(t, timerFired(ctx, app, id), "the worker stopped before the first track ended")

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.True(c, timerFired(ctx, app, id), "the track's timer fired with no worker running")
	}, time.Minute, 100*time.Millisecond)
	got, err := app.Platform.Store.Party(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, 0, got.TrackIndex, "nobody moved the row meanwhile")
	w = startWorker()
	defer w.Stop()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := row(c)
		assert.Equal(c, 1, got.TrackIndex)
		assert.True(c, got.Playing)
	}, time.Minute, 50*time.Millisecond, "the new worker moved to the second track")
	st, err := parties.State(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, 1, st.Playback.TrackIndex)
	require.Less(t, st.Playback.PositionMs, int64(600_000))
	_, err = parties.Cancel(ctx, p.ID)
	require.NoError(t, err)
}

// On the dev server, a live party past its (lowered) history limit
// continues as new, again and again as roster batches come, and loses
// nothing: every listener counted once, the live announcement made once,
// the stats at the end those of the whole party.
func TestPartyContinuesAsNewOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	queue := "party-" + uuid.NewString()
	parties := workflows.PartyClient{Conn: workflows.Conn{Client: c, TaskQueue: queue}}
	sent := &broadcasts{}
	w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store, Broadcaster: sent})
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	artist := uuid.MustParse(app.Register(t, "artist", "Party Artist").User.ID)
	p, run := partyRow(t, app, artist, time.Now().UTC(), 600_000)
	run.HistoryLimit = 40
	require.NoError(t, parties.Start(ctx, run))
	id := workflows.PartyID(p.ID)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err := parties.State(ctx, p.ID)
		assert.NoError(c, err)
		assert.Equal(c, models.PartyLive, st.Status)
	}, time.Minute, 50*time.Millisecond)

	const listeners = 20
	for i := range listeners {
		require.NoError(t, parties.Roster(ctx, p.ID, models.PartyRoster{Joined: []uuid.UUID{uuid.New()}, At: time.Now()}), i)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err := parties.State(ctx, p.ID)
		assert.NoError(c, err)
		assert.Equal(c, [3]int{listeners, listeners, listeners}, [3]int{st.Listeners, st.PeakListeners, st.TotalListeners})
	}, time.Minute, 50*time.Millisecond, "every batch counted across the runs")
	first := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	e, err := first.Next()
	require.NoError(t, err)
	require.NotEmpty(t, e.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId(), "the run now is a continued one")

	st, err := parties.State(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Playback.Version, "the clock carried over, untouched")
	_, err = parties.Playback(ctx, p.ID, workflows.UpdateEndParty, artist, 0)
	require.NoError(t, err)
	require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, nil))
	row, err := app.Platform.Store.Party(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, models.PartyEnded, row.Status)
	require.Equal(t, [2]int{listeners, listeners}, [2]int{row.PeakListeners, row.TotalListeners})
	require.Equal(t, []string{id + "/live"}, sent.keys(), "announced once")
}

// partyRow stores a scheduled public party of the artist's at at, one
// YouTube track a duration, and returns it with the run its workflow
// takes.
func partyRow(t *testing.T, app *testenv.App, artist uuid.UUID, at time.Time, durationsMs ...int64) (*models.Party, models.PartyRun) {
	t.Helper()
	now := time.Now().UTC()
	p := &models.Party{ID: models.NewID(), ArtistID: artist, Title: "P", ScheduledAt: at, MinTier: models.TierFollower, Capacity: 100,
		Status: models.PartyScheduled, CreatedAt: now, UpdatedAt: now}
	for _, d := range durationsMs {
		p.Playlist = append(p.Playlist, models.PartyTrack{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", Title: "T", DurationMs: d})
	}
	require.NoError(t, app.Platform.Store.CreateParty(t.Context(), p))
	return p, models.PartyRun{PartyID: p.ID, ArtistID: artist, ScheduledAt: at, DurationsMs: durationsMs}
}
