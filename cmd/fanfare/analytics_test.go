package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The documented backfill runs the roll-up workflow on the platform's
// worker for a past range and waits; running it again rewrites the same
// rows. A reversed range is refused before anything runs.
func TestAnalyticsBackfillCommand(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", fan.AccessToken, nil)
	require.Less(t, r.Status, 300, string(r.Body))

	cfg := app.Platform.Config
	env := []string{"DATABASE_URL=" + cfg.DatabaseURL, "TEMPORAL_ADDRESS=" + cfg.TemporalAddress, "TEMPORAL_TASK_QUEUE=" + cfg.TemporalTaskQueue}
	today := store.DayOf(time.Now())
	from, to := today.AddDate(0, 0, -40).Format(time.DateOnly), today.Format(time.DateOnly)
	rows := func() []models.Rollup {
		t.Helper()
		out, err := fanfare(t, env, "analytics", "backfill", "--from", from, "--to", to).CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "rolled up 41 days and ")
		var got []models.Rollup
		require.NoError(t, app.Platform.Store.DB(t.Context()).Where("artist_id = ?", uuid.MustParse(artist.User.ID)).
			Order("grain, bucket, metric").Find(&got).Error)
		return got
	}
	first := rows()
	require.Contains(t, metrics(first), store.MetricFollowsGained)
	require.Equal(t, first, rows(), "a re-run gives identical rows")

	out, err := fanfare(t, env, "analytics", "backfill", "--from", to, "--to", from).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "--to is before --from")
}

func metrics(rows []models.Rollup) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Metric)
	}
	return out
}
