package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// The analytics roll-up schedules: hourly over today, daily over the
// last week, both made by the platform's start; a triggered hourly run
// rolls up today's follow into the day and the month.
func TestAnalyticsRollupSchedules(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	c := app.Platform.Temporal
	for id, want := range map[string]struct {
		every time.Duration
		days  int
	}{workflows.AnalyticsHourlySchedule: {time.Hour, 1}, workflows.AnalyticsDailySchedule: {24 * time.Hour, 7}} {
		var d *client.ScheduleDescription
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			var err error
			d, err = c.ScheduleClient().GetHandle(t.Context(), id).Describe(t.Context())
			assert.NoError(ct, err)
		}, 30*time.Second, 100*time.Millisecond, id)
		require.Equal(t, want.every, d.Schedule.Spec.Intervals[0].Every, id)
		action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
		require.Equal(t, "AnalyticsRollupWorkflow", action.Workflow, id)
		require.Len(t, action.Args, 1, id)
		var arg workflows.AnalyticsRollup
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(action.Args[0].(*commonpb.Payload), &arg), id)
		require.Equal(t, workflows.AnalyticsRollup{Days: want.days}, arg, id)
	}

	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", fan.AccessToken, nil)
	require.Less(t, r.Status, 300, string(r.Body))

	var out activities.RolledUp
	testenv.RecordHistory(t, c, testenv.RunSchedule(t, c, workflows.AnalyticsHourlySchedule, &out), "analytics_rollup_v1.json")
	require.GreaterOrEqual(t, out.Days, 1)
	require.GreaterOrEqual(t, out.Months, 1)
	st, id := app.Platform.Store, uuid.MustParse(artist.User.ID)
	today := store.DayOf(time.Now())
	days, err := st.RollupSeries(t.Context(), id, models.GrainDay, today, today.AddDate(0, 0, 1))
	require.NoError(t, err)
	got := models.Figures{}
	for _, r := range days {
		got[r.Metric] = r.Value
	}
	require.Equal(t, int64(1), got[store.MetricFollowsGained], "%v", got)
	snap, err := st.SnapshotAt(t.Context(), id, today.AddDate(0, 0, 1))
	require.NoError(t, err)
	require.Equal(t, int64(1), snap[store.MetricFollowers])
}
