package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// The engagement-flush schedule runs every 10 s on the platform's task
// queue and writes the events the api accepted to the table. Its id is
// fixed, so the app gets a dev server of its own.
func TestEngagementFlushSchedule(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	c := app.Platform.Temporal
	var d *client.ScheduleDescription
	require.EventuallyWithT(t, func(ct *assert.CollectT) { // made by the platform's start
		var err error
		d, err = c.ScheduleClient().GetHandle(t.Context(), workflows.EngagementFlushSchedule).Describe(t.Context())
		assert.NoError(ct, err)
	}, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, workflows.EngagementFlushEvery, d.Schedule.Spec.Intervals[0].Every)
	action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, "EngagementFlushWorkflow", action.Workflow)
	require.Equal(t, app.Platform.Config.TemporalTaskQueue, action.TaskQueue)

	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/content", artist.AccessToken,
		map[string]any{"kind": "track", "title": "T", "duration_seconds": 300})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var track struct{ ID string }
	r.Decode(t, &track)
	now := time.Now().UTC()
	r = app.Do(t, http.MethodPost, "/api/engagement/events", fan.AccessToken, map[string]any{"events": []map[string]any{
		{"client_id": "p1", "action": "progress", "at": now.Add(-time.Minute), "content_id": track.ID, "seconds": 60},
		{"client_id": "s1", "action": "share", "at": now, "content_id": track.ID},
	}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	var out activities.Flushed
	testenv.RecordHistory(t, c, testenv.RunSchedule(t, c, workflows.EngagementFlushSchedule, &out), "engagement_flush_v1.json")
	totals, err := app.Platform.Store.EngagementTotals(t.Context(), uuid.MustParse(fan.User.ID), uuid.MustParse(artist.User.ID))
	require.NoError(t, err)
	require.Equal(t, map[models.Action]int64{models.ActionProgress: 60, models.ActionShare: 1}, totals,
		"written by the triggered run, or by a scheduled one before it")
}
