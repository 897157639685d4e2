package engagement_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The package's tests share testenv's services.
func TestMain(m *testing.M) { testenv.Main(m) }

// While Temporal is down a fan's milestone stays pending, untouched, round
// after round; once it is back the next round delivers it. An artist's
// own milestone needs no Temporal: it is told once, even when its row is
// found again (the notification's key).
func TestDeliveryOutlivesTemporalBeingDown(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	st := app.Platform.Store
	ctx := t.Context()
	artist := uuid.MustParse(app.Register(t, "artist", "Nova").User.ID)
	fan := uuid.MustParse(app.Register(t, "fan", "Kai").User.ID)
	// A dispatcher of the test's own, rounds run by hand; the app's runs too.
	d := engagement.NewDeliverer(st, app.Platform.Milestones.Rewards, app.Platform.Notify, testenv.Log(), time.Now)

	temporal.Stop()
	_, err := st.AwardMilestone(ctx, models.UserMilestone{UserID: fan, ArtistID: artist, Key: "score_100", AwardedAt: time.Now().UTC()})
	require.NoError(t, err)
	for range 2 {
		require.Error(t, d.Round(ctx), "Temporal is down")
		ms, err := st.UserMilestone(ctx, fan, artist, "score_100")
		require.NoError(t, err)
		require.Nil(t, ms.DispatchedAt, "kept for the next round")
		require.Nil(t, ms.DeliveredAt)
	}
	temporal.Start()
	require.Eventually(t, func() bool {
		_ = d.Round(ctx)
		ms, err := st.UserMilestone(ctx, fan, artist, "score_100")
		return err == nil && ms.DeliveredAt != nil
	}, time.Minute, 200*time.Millisecond)

	require.NoError(t, st.DB(ctx).Create(&models.ArtistMilestone{ArtistID: artist, Key: "followers_100", ReachedAt: time.Now().UTC()}).Error)
	require.NoError(t, d.Round(ctx))
	require.NoError(t, st.DB(ctx).Model(&models.ArtistMilestone{}).Where("artist_id = ?", artist).Update("delivered_at", nil).Error)
	require.NoError(t, d.Round(ctx), "found again, as after a crash between telling and marking")
	told := testenv.Rows[models.Notification](t, st, "id", "user_id = ? AND title = ?", artist, "You reached 100 followers")
	require.Len(t, told, 1)
	left, err := st.PendingArtistMilestones(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, left)
}
