package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A members page holds exactly the fans whose membership gives one of its
// tiers now (TierOf's rule: pending and canceled do not, canceling until
// its period ends does), following or not; a non-members page the
// followers holding no such membership, members of another club included.
func TestAudiencePagesFollowTheLiveMemberships(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist, other := newUser(t, st, "artist@example.com", models.RoleArtist), newUser(t, st, "other@example.com", models.RoleArtist)
		now := time.Now().UTC()
		join := func(artistID, fan uuid.UUID, tier models.Tier, status models.SubscriptionStatus) {
			require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artistID, FanID: fan, WorkflowID: "w", Tier: tier,
				Status: status, MemberSince: now, Period: 1, PeriodStart: now, PeriodEnd: now.AddDate(0, 1, 0), PriceCents: 500,
				Currency: "usd", CreatedAt: now, UpdatedAt: now}, 0, nil))
		}
		var fans []uuid.UUID
		following := map[uuid.UUID]bool{}
		statuses := []models.SubscriptionStatus{models.StatusPending, models.StatusActive, models.StatusPastDue, models.StatusCanceling, models.StatusCanceled}
		for i, tier := range []models.Tier{models.TierSupporter, models.TierSuperfan} {
			for j, status := range statuses {
				for _, follows := range []bool{true, false} {
					u := newUser(t, st, fmt.Sprintf("%s-%s-%t@example.com", tier, status, follows), models.RoleFan).ID
					join(artist.ID, u, tier, status)
					if follows {
						_, _, err := st.Follow(ctx, u, artist.ID)
						require.NoError(t, err)
						following[u] = true
					}
					if (i+j)%2 == 0 { // a membership elsewhere changes nothing here
						join(other.ID, u, models.TierSuperfan, models.StatusActive)
					}
					fans = append(fans, u)
				}
			}
		}
		follower, elsewhere := newUser(t, st, "follower@example.com", models.RoleFan).ID, newUser(t, st, "elsewhere@example.com", models.RoleFan).ID
		stranger := newUser(t, st, "stranger@example.com", models.RoleFan).ID
		for _, u := range []uuid.UUID{follower, elsewhere} {
			_, _, err := st.Follow(ctx, u, artist.ID)
			require.NoError(t, err)
			following[u] = true
		}
		join(other.ID, elsewhere, models.TierSuperfan, models.StatusActive)
		fans = append(fans, follower, elsewhere, stranger)

		// What each page must hold, by TierOf and the follows.
		want := map[string][]uuid.UUID{}
		for _, u := range fans {
			tier, err := st.TierOf(ctx, artist.ID, u)
			require.NoError(t, err)
			switch {
			case tier == models.TierSuperfan:
				want["superfan"] = append(want["superfan"], u)
				want["paid"] = append(want["paid"], u)
			case tier == models.TierSupporter:
				want["paid"] = append(want["paid"], u)
			case following[u]:
				want["non_members"] = append(want["non_members"], u)
			}
		}
		require.Len(t, want["superfan"], 6, "active, past_due and canceling, following or not")
		require.Len(t, want["paid"], 12)
		require.Len(t, want["non_members"], 6, "the plain follower, the member elsewhere and the pending and canceled members who follow")

		walk := func(next func(after string) ([]store.Recipient, error)) []uuid.UUID { return walkPages(t, 4, next) }
		sorted := func(ids []uuid.UUID) []uuid.UUID {
			return slices.SortedFunc(slices.Values(ids), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		}
		members := func(tiers ...models.Tier) []uuid.UUID {
			return walk(func(after string) ([]store.Recipient, error) { return st.MemberPage(ctx, artist.ID, tiers, after, 4) })
		}
		require.Equal(t, sorted(want["superfan"]), members(models.TierSuperfan), "pages in user id order")
		require.Equal(t, sorted(want["paid"]), members(models.TierSupporter, models.TierSuperfan))
		require.Equal(t, sorted(want["non_members"]), walk(func(after string) ([]store.Recipient, error) {
			return st.NonMemberPage(ctx, artist.ID, after, 4)
		}))
	})
}

// A members page carries the same delivery columns as a followers page,
// the last web push included.
func TestMemberPageCarriesWhatDecidesDelivery(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist, fan := newUser(t, st, "artist@example.com", models.RoleArtist), newUser(t, st, "fan@example.com", models.RoleFan)
		now := time.Now().UTC()
		require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artist.ID, FanID: fan.ID, WorkflowID: "w",
			Tier: models.TierSuperfan, Status: models.StatusActive, MemberSince: now, Period: 1, PeriodStart: now,
			PeriodEnd: now.AddDate(0, 1, 0), PriceCents: 1000, Currency: "usd", CreatedAt: now, UpdatedAt: now}, 5, nil))
		require.NoError(t, st.SaveNotificationPreferences(ctx, &models.NotificationPreference{UserID: fan.ID, Channels: `{"release":{"email":false}}`,
			DigestMinutes: 15, QuietStart: "22:00", QuietEnd: "07:00"}))
		require.NoError(t, st.SavePushSubscription(ctx, &models.PushSubscription{ID: models.NewID(), UserID: fan.ID,
			Endpoint: "https://push.example/f", P256dh: "k", Auth: "a", CreatedAt: now}, 10))
		at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		require.NoError(t, st.MarkPushed(ctx, []uuid.UUID{fan.ID}, at))

		page, err := st.MemberPage(ctx, artist.ID, []models.Tier{models.TierSuperfan}, "", 10)
		require.NoError(t, err)
		require.Len(t, page, 1)
		r := page[0]
		require.Equal(t, fan.Email, r.Email)
		require.True(t, r.Push)
		require.JSONEq(t, `{"release":{"email":false}}`, r.Channels)
		require.Equal(t, [2]string{"22:00", "07:00"}, [2]string{r.QuietStart, r.QuietEnd})
		require.Nil(t, r.EmailedAt)
		require.NotNil(t, r.PushedAt)
		require.True(t, r.PushedAt.Equal(at), "%s", r.PushedAt)
		subs, err := st.PushSubscriptionsOf(ctx, []uuid.UUID{fan.ID, artist.ID})
		require.NoError(t, err)
		require.Len(t, subs, 1)
	})
}
