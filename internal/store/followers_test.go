package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A broadcast's page carries, for each follower, what decides how the
// broadcast reaches them: preferences, quiet hours, push and the last email.
func TestFollowerPageCarriesWhatDecidesDelivery(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "artist@example.com", models.RoleArtist)
		plain, quiet := newUser(t, st, "plain@example.com", models.RoleFan), newUser(t, st, "quiet@example.com", models.RoleFan)
		for _, u := range []*models.User{plain, quiet} {
			_, _, err := st.Follow(ctx, u.ID, artist.ID)
			require.NoError(t, err)
		}
		require.NoError(t, st.SaveNotificationPreferences(ctx, &models.NotificationPreference{UserID: quiet.ID, Channels: `{"announcement":{"email":false}}`,
			DigestMinutes: 15, QuietStart: "22:00", QuietEnd: "07:00", EmailUnsubscribed: true}))
		require.NoError(t, st.SavePushSubscription(ctx, &models.PushSubscription{ID: models.NewID(), UserID: quiet.ID,
			Endpoint: "https://push.example/q", P256dh: "k", Auth: "a", CreatedAt: time.Now()}, 10))
		at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		require.NoError(t, st.MarkEmailed(ctx, []uuid.UUID{quiet.ID}, at))

		page, err := st.FollowerPage(ctx, artist.ID, "", 10)
		require.NoError(t, err)
		require.Len(t, page, 2)
		got := map[string]store.Recipient{}
		for _, r := range page {
			got[r.Email] = r
		}
		p, q := got["plain@example.com"], got["quiet@example.com"]
		require.Equal(t, store.Recipient{UserID: plain.ID, Email: plain.Email, DisplayName: plain.DisplayName, TimeZone: "UTC"}, p)
		require.True(t, q.Push)
		require.True(t, q.EmailUnsubscribed)
		require.Equal(t, [2]string{"22:00", "07:00"}, [2]string{q.QuietStart, q.QuietEnd})
		require.JSONEq(t, `{"announcement":{"email":false}}`, q.Channels)
		require.NotNil(t, q.EmailedAt)
		require.True(t, q.EmailedAt.Equal(at), "%s", q.EmailedAt)

		next, err := st.FollowerPage(ctx, artist.ID, page[1].UserID.String(), 10)
		require.NoError(t, err)
		require.Empty(t, next, "the cursor is past the last follower")
	})
}
