package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The outbox: an undelivered milestone is pending until dispatched, again
// once its dispatch is old, and never once delivered; an artist's likewise.
// A keyed notification is written once.
func TestMilestoneOutbox(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a, kai := newUser(t, st, "a@example.com", models.RoleArtist), newUser(t, st, "kai@example.com", models.RoleFan)
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		m := models.UserMilestone{UserID: kai.ID, ArtistID: a.ID, Key: "minutes_1000", AwardedAt: now}
		awarded, err := st.AwardMilestone(ctx, m)
		require.NoError(t, err)
		require.True(t, awarded)
		pending := func(since time.Time) int {
			rows, err := st.PendingMilestones(ctx, since, 10)
			require.NoError(t, err)
			return len(rows)
		}
		require.Equal(t, 1, pending(now))
		require.NoError(t, st.MarkMilestoneDispatched(ctx, m, now))
		require.Equal(t, 0, pending(now), "dispatched just now")
		require.Equal(t, 1, pending(now.Add(time.Second)), "dispatched a while ago")
		require.NoError(t, st.MarkMilestoneDelivered(ctx, kai.ID, a.ID, m.Key, now.Add(time.Minute)))
		require.NoError(t, st.MarkMilestoneDelivered(ctx, kai.ID, a.ID, m.Key, now.Add(time.Hour)))
		require.Equal(t, 0, pending(now.Add(time.Hour)))
		got, err := st.UserMilestone(ctx, kai.ID, a.ID, m.Key)
		require.NoError(t, err)
		require.True(t, got.DeliveredAt.Equal(now.Add(time.Minute)), "the first delivery's time stays")

		require.NoError(t, st.DB(ctx).Create(&models.ArtistMilestone{ArtistID: a.ID, Key: "followers_100", ReachedAt: now}).Error)
		am, err := st.PendingArtistMilestones(ctx, 10)
		require.NoError(t, err)
		require.Len(t, am, 1)
		require.NoError(t, st.MarkArtistMilestoneDelivered(ctx, a.ID, "followers_100", now))
		am, err = st.PendingArtistMilestones(ctx, 10)
		require.NoError(t, err)
		require.Empty(t, am)

		n := models.Notification{ID: models.NewID(), UserID: a.ID, Category: "milestone", GroupKey: "g", Priority: models.PriorityLow,
			Title: "t", Data: "{}", Channels: "in_app", CreatedAt: now}
		for want := range []bool{true, false} {
			fresh, err := st.CreateNotificationOnce(ctx, &n)
			require.NoError(t, err)
			require.Equal(t, want == 0, fresh)
		}
	})
}
