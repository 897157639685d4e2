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

// Three days of a club rolled up, by hand. Day 1: Ada joins as a
// supporter and Bo as a superfan (both charged), Ada and Cy follow, Ada
// plays twice (120 s, 60 s), Bo stays 300 s in a party and chats. Day 2:
// Ada upgrades (charged 500), Cy unfollows, Bo's renewal fails. Day 3:
// dunning gives up on Bo (an involuntary end). Day 4: nothing. Another
// artist's follow stays theirs. A re-run rewrites identical rows.
func TestRollUpsByHand(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "a@example.com", models.RoleArtist)
		other := &models.User{ID: models.NewID(), Email: "o@example.com", PasswordHash: "x", Role: models.RoleArtist, DisplayName: "o", TimeZone: "UTC"}
		require.NoError(t, st.CreateUser(ctx, other, &models.Artist{Name: "Other", Slug: "other"}))
		ada, bo, cy := newUser(t, st, "ada@example.com", models.RoleFan), newUser(t, st, "bo@example.com", models.RoleFan), newUser(t, st, "cy@example.com", models.RoleFan)
		d1 := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
		at := func(day int, h int) time.Time { return d1.AddDate(0, 0, day-1).Add(time.Duration(h) * time.Hour) }
		member := func(fan *models.User, when time.Time, tier models.Tier, status models.SubscriptionStatus, price int64) {
			t.Helper()
			require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artist.ID, FanID: fan.ID, WorkflowID: "m/" + fan.Email,
				Tier: tier, Status: status, MemberSince: when, Period: 1, PeriodStart: when, PeriodEnd: when.AddDate(0, 1, 0), PriceCents: price,
				Currency: models.Currency, UpdatedAt: when}, 0, nil))
		}
		pay := func(fan *models.User, when time.Time, tier models.Tier, status models.PaymentStatus, cents int64) {
			t.Helper()
			require.NoError(t, st.DB(ctx).Create(&models.Payment{ID: models.NewID(), IdempotencyKey: models.NewID().String(), ArtistID: artist.ID, FanID: fan.ID,
				Tier: tier, Period: 1, PeriodStart: when, PeriodEnd: when, Reason: "renewal", AmountCents: cents, Currency: models.Currency,
				Provider: "sandbox", Status: status, CreatedAt: when, UpdatedAt: when}).Error)
		}
		follow := func(fan *models.User, a uuid.UUID, when time.Time, followed bool) {
			t.Helper()
			require.NoError(t, st.DB(ctx).Create(&models.FollowEvent{ID: models.NewID(), ArtistID: a, UserID: fan.ID, Followed: followed, At: when}).Error)
		}
		act := func(fan *models.User, when time.Time, a models.Action, amount int64) {
			t.Helper()
			require.NoError(t, st.RecordEngagement(ctx, models.EngagementEvent{ID: models.NewID(), UserID: fan.ID, ArtistID: artist.ID, Action: a, Amount: amount, At: when}))
		}
		member(ada, at(1, 9), models.TierSupporter, models.StatusActive, 500)
		pay(ada, at(1, 9), models.TierSupporter, models.PaymentSucceeded, 500)
		member(bo, at(1, 10), models.TierSuperfan, models.StatusActive, 1000)
		pay(bo, at(1, 10), models.TierSuperfan, models.PaymentSucceeded, 1000)
		follow(ada, artist.ID, at(1, 11), true)
		follow(cy, artist.ID, at(1, 12), true)
		follow(cy, other.ID, at(1, 12), true)
		act(ada, at(1, 13), models.ActionPlay, 120)
		act(ada, at(1, 14), models.ActionPlay, 60)
		act(bo, at(1, 20), models.ActionListen, 300)
		act(bo, at(1, 20), models.ActionChat, 1)
		member(ada, at(2, 9), models.TierSuperfan, models.StatusActive, 1000)
		pay(ada, at(2, 9), models.TierSuperfan, models.PaymentSucceeded, 500)
		follow(cy, artist.ID, at(2, 10), false)
		member(bo, at(2, 10), models.TierSuperfan, models.StatusPastDue, 1000)
		pay(bo, at(2, 10), models.TierSuperfan, models.PaymentFailed, 1000)
		member(bo, at(3, 10), models.TierSuperfan, models.StatusCanceled, 1000)

		rollUp := func() []models.Rollup {
			t.Helper()
			for day := 1; day <= 4; day++ {
				_, err := st.RollUpDay(ctx, at(day, 5))
				require.NoError(t, err)
			}
			for _, m := range []time.Time{d1, at(3, 0)} { // March and April
				_, err := st.RollUpMonth(ctx, m)
				require.NoError(t, err)
			}
			var rows []models.Rollup
			require.NoError(t, st.DB(ctx).Where("artist_id = ?", artist.ID).Order("grain, bucket, metric").Find(&rows).Error)
			return rows
		}
		first := rollUp()

		day := func(n int) models.Figures {
			t.Helper()
			got, err := st.RollupSeries(ctx, artist.ID, models.GrainDay, at(n, 0), at(n+1, 0))
			require.NoError(t, err)
			f := models.Figures{}
			for _, r := range got {
				f[r.Metric] = r.Value
			}
			return f
		}
		snaps := func(followers, supporters, superfans, supporterMRR, superfanMRR int64) models.Figures {
			return models.Figures{store.MetricFollowers: followers, store.MetricMembers(models.TierSupporter): supporters,
				store.MetricMembers(models.TierSuperfan): superfans, store.MetricMRR(models.TierSupporter): supporterMRR,
				store.MetricMRR(models.TierSuperfan): superfanMRR}
		}
		with := func(a, b models.Figures) models.Figures {
			for k, v := range b {
				a[k] = v
			}
			return a
		}
		require.Equal(t, with(models.Figures{
			"moves.joined": 2, "joined.supporter": 1, "joined.superfan": 1, store.MetricMRRNew: 1500,
			store.MetricFollowsGained: 2, "play": 2, "play.seconds": 180, "listen": 1, "listen.seconds": 300, "chat": 1,
			store.MetricActiveFans: 2, store.MetricPartyFans: 1,
			store.MetricRevenue: 1500, "revenue.supporter": 500, "revenue.superfan": 1000, store.MetricPaid: 2,
		}, snaps(2, 1, 1, 500, 1000)), day(1))
		require.Equal(t, with(models.Figures{
			"moves.upgraded": 1, store.MetricMRRExpansion: 500, "moves.payment_failed": 1, store.MetricFollowsLost: 1,
			store.MetricRevenue: 500, "revenue.superfan": 500, store.MetricPaid: 1, store.MetricPaymentFailed: 1,
		}, snaps(1, 0, 2, 0, 2000)), day(2))
		require.Equal(t, with(models.Figures{
			"moves.ended": 1, "ended.superfan": 1, store.MetricMRRChurn: 1000, store.MetricChurnInvol: 1, store.MetricMRRChurnInvol: 1000,
		}, snaps(1, 0, 1, 0, 1000)), day(3))
		require.Empty(t, day(4), "nothing moved: no rows, the latest snapshot stands")

		now, err := st.SnapshotAt(ctx, artist.ID, at(5, 0))
		require.NoError(t, err)
		require.Equal(t, snaps(1, 0, 1, 0, 1000), now)
		start, err := st.SnapshotAt(ctx, artist.ID, d1)
		require.NoError(t, err)
		require.Empty(t, start, "before the first day: nothing")

		sums, err := st.RollupSums(ctx, artist.ID, models.GrainDay, at(2, 0), at(4, 0))
		require.NoError(t, err)
		require.Equal(t, int64(500), sums[store.MetricMRRExpansion])
		require.Equal(t, int64(1000), sums[store.MetricMRRChurn])
		require.Zero(t, sums[store.MetricMRRNew], "day 1 is outside")
		require.NotContains(t, sums, store.MetricFollowers, "snapshots are no sums")

		months, err := st.RollupSeries(ctx, artist.ID, models.GrainMonth, store.MonthOf(d1), at(3, 0).AddDate(0, 1, 0))
		require.NoError(t, err)
		byMonth := map[time.Month]models.Figures{}
		for _, r := range months {
			if byMonth[r.Bucket.UTC().Month()] == nil {
				byMonth[r.Bucket.UTC().Month()] = models.Figures{}
			}
			byMonth[r.Bucket.UTC().Month()][r.Metric] = r.Value
		}
		require.Equal(t, int64(2000), byMonth[time.March][store.MetricRevenue], "March 30 and 31")
		require.Equal(t, int64(2), byMonth[time.March][store.MetricActiveFans], "distinct over the month")
		require.Equal(t, int64(2000), byMonth[time.March][store.MetricMRR(models.TierSuperfan)], "at March's end")
		require.Equal(t, int64(1000), byMonth[time.April][store.MetricMRRChurn])
		require.Equal(t, int64(1000), byMonth[time.April][store.MetricMRR(models.TierSuperfan)], "at April's end")

		live, err := st.Flows(ctx, at(2, 0), at(3, 0), &artist.ID)
		require.NoError(t, err)
		require.Equal(t, day(2)[store.MetricMRRExpansion], live[artist.ID][store.MetricMRRExpansion], "one artist's live flows are the roll-up's")
		delta, err := st.Snapshots(ctx, at(3, 0), at(4, 0), []uuid.UUID{artist.ID})
		require.NoError(t, err)
		require.Equal(t, models.Figures{store.MetricMembers(models.TierSuperfan): -1, store.MetricMRR(models.TierSuperfan): -1000}, delta[artist.ID])

		again := rollUp()
		require.Equal(t, len(first), len(again))
		require.ElementsMatch(t, first, again, "a re-run rewrites the same rows")
	})
}
