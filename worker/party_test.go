package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	w := worker.New(c, queue, worker.Deps{Store: app.Platform.Store})
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
	testenv.RecordHistory(t, c, workflows.PartyID(run.PartyID), "party_v1.json")

	later := newParty(time.Now().UTC().Add(time.Hour))
	_, err = parties.Playback(ctx, later.PartyID, workflows.UpdatePlay, artist, 0)
	require.Equal(t, models.CodeConflict, models.ErrorCode(err), "not live yet")
	st, err = parties.Cancel(ctx, later.PartyID)
	require.NoError(t, err)
	require.Equal(t, models.PartyCancelled, st.Status)
	require.NoError(t, c.GetWorkflow(ctx, workflows.PartyID(later.PartyID), "").Get(ctx, &end))
	require.Equal(t, models.PartyCancelled, end.Status)
}
