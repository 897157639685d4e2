package worker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The worker started by the platform runs workflows on the real dev server
// and its activities reach the real database.
func TestWorkerRunsWorkflowsOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	c := app.Platform.Temporal
	run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
		ID:        "health/" + t.Name(),
		TaskQueue: app.Platform.Config.TemporalTaskQueue,
	}, workflows.HealthWorkflow)
	require.NoError(t, err)
	var out string
	require.NoError(t, run.Get(t.Context(), &out))
	require.Equal(t, "ok", out)
}

// The worker runs an announcement's broadcast to the artist's followers.
func TestWorkerRunsBroadcasts(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fans := app.Register(t, "artist", "Nova"), []testenv.Session{app.Register(t, "fan", "Kai"), app.Register(t, "fan", "Ada")}
	for _, f := range fans {
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", f.AccessToken, nil).Status)
	}
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/announcements", artist.AccessToken, map[string]any{"title": "Tour dates"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var b struct {
		BroadcastID string `json:"broadcast_id"`
	}
	r.Decode(t, &b)
	var progress models.BroadcastProgress
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, app.Platform.Temporal.GetWorkflow(ctx, workflows.BroadcastID(b.BroadcastID), "").Get(ctx, &progress))
	require.True(t, progress.Done)
	require.Equal(t, 2, progress.Recipients)
	require.Equal(t, 1, progress.Pages)
	testenv.RecordHistory(t, app.Platform.Temporal, workflows.BroadcastID(b.BroadcastID), "broadcast_v1.json")
}

// Each of the platform's Temporal Schedules runs its sweep hourly on the
// platform's task queue, making it again is harmless, and a run triggered
// from the schedule does the sweep's work. Schedule ids are fixed, so the
// app gets a dev server of its own where its start made them.
func TestSchedulesRunTheirSweeps(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	c, queue := app.Platform.Temporal, app.Platform.Config.TemporalTaskQueue
	require.NoError(t, worker.EnsureSchedules(t.Context(), c, queue))

	t.Run("action", func(t *testing.T) {
		for id, wf := range map[string]string{
			workflows.ExpirySchedule:      "ExpirySweepWorkflow",
			workflows.UploadSweepSchedule: "UploadSweepWorkflow",
		} {
			d, err := c.ScheduleClient().GetHandle(t.Context(), id).Describe(t.Context())
			require.NoError(t, err, id)
			require.Equal(t, time.Hour, d.Schedule.Spec.Intervals[0].Every, id)
			action, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
			require.True(t, ok, "%s starts a workflow", id)
			require.Equal(t, wf, action.Workflow, id)
			require.Equal(t, queue, action.TaskQueue, id)
			require.Empty(t, action.Args, id)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		st, user := app.Platform.Store, uuid.MustParse(app.Register(t, "fan", "Kai").User.ID)
		now := time.Now().UTC()
		expired, live := now.Add(-time.Hour), now.Add(time.Hour)
		var rows []models.Notification
		for _, exp := range []*time.Time{&expired, &live, nil} {
			rows = append(rows, models.Notification{ID: models.NewID(), UserID: user, Category: "party", GroupKey: "g",
				Priority: models.PriorityHigh, Title: "t", Data: "{}", Channels: "in_app", CreatedAt: now, ExpiresAt: exp})
		}
		require.NoError(t, st.CreateNotifications(t.Context(), rows))
		var deleted int64
		testenv.RecordHistory(t, c, testenv.RunSchedule(t, c, workflows.ExpirySchedule, &deleted), "expiry_v1.json")
		require.EqualValues(t, 1, deleted)
		left := testenv.Rows[models.Notification](t, st, "created_at", "user_id = ?", user)
		require.Len(t, left, 2)
		for _, n := range left {
			require.NotEqual(t, rows[0].ID, n.ID, "the expired one went")
		}
	})

	t.Run("uploads", func(t *testing.T) {
		artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
		r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var conv struct{ ID string }
		app.Do(t, http.MethodPost, "/api/messages/conversations", fan.AccessToken, map[string]any{"user_id": artist.User.ID}).Decode(t, &conv)
		upload := func() string {
			r := app.Upload(t, fan.AccessToken, "a.png", testenv.PNG(100))
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var a struct{ ID string }
			r.Decode(t, &a)
			return a.ID
		}
		stale, sent, fresh := upload(), upload(), upload()
		r = app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv.ID+"/messages", fan.AccessToken, map[string]any{"attachments": []string{sent}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		st := app.Platform.Store
		require.NoError(t, st.DB(t.Context()).Model(&models.Attachment{}).Where("id IN ?", []string{stale, sent}).
			Update("created_at", time.Now().Add(-workflows.UploadTTL-time.Minute)).Error)

		var deleted int
		testenv.RecordHistory(t, c, testenv.RunSchedule(t, c, workflows.UploadSweepSchedule, &deleted), "uploads_v1.json")
		require.Equal(t, 1, deleted)
		left := testenv.Rows[models.Attachment](t, st, "created_at", "uploader_id = ?", fan.User.ID)
		require.Len(t, left, 2)
		for _, a := range left {
			require.NotEqual(t, stale, a.ID.String(), "the stale upload's row went")
		}
		_, err := app.Platform.Blobs.Get(t.Context(), stale)
		require.ErrorIs(t, err, blobs.ErrNotFound, "the stale upload's blob went")
		for _, id := range []string{sent, fresh} {
			r := app.Do(t, http.MethodGet, "/api/messages/attachments/"+id, fan.AccessToken, nil)
			require.Equal(t, http.StatusOK, r.Status, "%s is kept", id)
			require.Equal(t, testenv.PNG(100), r.Body)
		}
	})
}
