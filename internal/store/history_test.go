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

// A membership's life as its workflow records it leaves one history row
// per movement, with tier and price before and after: a first charge
// pending then paid is a join; an upgrade; a failed charge and its
// recovery; a cancel, then the end; a re-join (pending, then paid) is a
// reactivation, not a join; a downgrade when it takes effect; a replayed
// state and a renewal move nothing. Follows and unfollows that change
// something are rows too.
func TestMembershipHistory(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "f@example.com", models.RoleFan)
		t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		step := 0
		record := func(tier models.Tier, status models.SubscriptionStatus, price int64) {
			t.Helper()
			at := t0.Add(time.Duration(step) * 24 * time.Hour)
			step++
			sub := models.Subscription{ArtistID: a.ID, FanID: fan.ID, WorkflowID: "m", Tier: tier, Status: status, MemberSince: t0,
				Period: 1, PeriodStart: at, PeriodEnd: at.AddDate(0, 1, 0), PriceCents: price, Currency: models.Currency, UpdatedAt: at}
			require.NoError(t, st.RecordMembership(ctx, sub, 0, nil))
		}
		record(models.TierSupporter, models.StatusPending, 500)
		record(models.TierSupporter, models.StatusActive, 500)
		record(models.TierSupporter, models.StatusActive, 500) // replayed, or a renewal
		record(models.TierSuperfan, models.StatusActive, 1000)
		record(models.TierSuperfan, models.StatusPastDue, 1000)
		record(models.TierSuperfan, models.StatusActive, 1000)
		record(models.TierSuperfan, models.StatusCanceling, 1000)
		record(models.TierSuperfan, models.StatusCanceled, 1000)
		record(models.TierSuperfan, models.StatusPending, 1000)
		record(models.TierSuperfan, models.StatusActive, 1000)
		record(models.TierSupporter, models.StatusActive, 500) // a downgrade as it takes effect

		type row struct {
			Move                    models.MembershipMove
			TierBefore, TierAfter   models.Tier
			PriceBefore, PriceAfter int64
		}
		var got []row
		require.NoError(t, st.DB(ctx).Model(&models.MembershipEvent{}).Where("artist_id = ? AND fan_id = ?", a.ID, fan.ID).Order("at").Scan(&got).Error)
		require.Equal(t, []row{
			{models.MoveJoined, "", models.TierSupporter, 0, 500},
			{models.MoveUpgraded, models.TierSupporter, models.TierSuperfan, 500, 1000},
			{models.MovePaymentFailed, models.TierSuperfan, models.TierSuperfan, 1000, 1000},
			{models.MoveRecovered, models.TierSuperfan, models.TierSuperfan, 1000, 1000},
			{models.MoveCanceled, models.TierSuperfan, models.TierSuperfan, 1000, 1000},
			{models.MoveEnded, models.TierSuperfan, "", 1000, 0},
			{models.MoveReactivated, "", models.TierSuperfan, 0, 1000},
			{models.MoveDowngraded, models.TierSuperfan, models.TierSupporter, 1000, 500},
		}, got)

		for _, change := range []func() error{
			func() error { _, _, err := st.Follow(ctx, fan.ID, a.ID); return err },
			func() error { _, _, err := st.Follow(ctx, fan.ID, a.ID); return err }, // no change
			func() error { _, _, err := st.Unfollow(ctx, fan.ID, a.ID); return err },
			func() error { _, _, err := st.Unfollow(ctx, fan.ID, a.ID); return err }, // no change
		} {
			require.NoError(t, change())
		}
		var follows []bool
		require.NoError(t, st.DB(ctx).Model(&models.FollowEvent{}).Where("artist_id = ?", a.ID).Order("at").Pluck("followed", &follows).Error)
		require.Equal(t, []bool{true, false}, follows)
	})
}

// The history migration backfills from the payments ledger, the mirror
// and the follows table: joins, tier changes, failures, recoveries, a
// cancel and an end that stand, and the follows that stand.
func TestHistoryMigrationBackfills(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		ada := newUser(t, st, "ada@example.com", models.RoleFan)
		bo := newUser(t, st, "bo@example.com", models.RoleFan)
		p, err := st.Migrator()
		require.NoError(t, err)
		_, err = p.DownTo(ctx, 26)
		require.NoError(t, err)
		t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		pay := func(fan *models.User, day int, tier models.Tier, reason string, cents int64, status models.PaymentStatus) {
			at := t0.AddDate(0, 0, day)
			require.NoError(t, st.DB(ctx).Create(&models.Payment{ID: models.NewID(), IdempotencyKey: models.NewID().String(), ArtistID: a.ID, FanID: fan.ID,
				Tier: tier, Period: 1, PeriodStart: at, PeriodEnd: at.AddDate(0, 1, 0), Reason: reason, AmountCents: cents, Currency: models.Currency,
				Provider: "sandbox", Status: status, CreatedAt: at, UpdatedAt: at}).Error)
		}
		pay(ada, 0, models.TierSupporter, "renewal", 500, models.PaymentSucceeded)
		pay(ada, 10, models.TierSuperfan, "upgrade", 333, models.PaymentSucceeded)
		pay(ada, 40, models.TierSuperfan, "renewal", 1000, models.PaymentFailed)
		pay(ada, 41, models.TierSuperfan, "retry", 1000, models.PaymentSucceeded)
		pay(bo, 2, models.TierSuperfan, "renewal", 1000, models.PaymentSucceeded)
		end := t0.AddDate(0, 2, 0)
		require.NoError(t, st.DB(ctx).Create(&models.Subscription{ArtistID: a.ID, FanID: bo.ID, WorkflowID: "m", Tier: models.TierSuperfan,
			Status: models.StatusCanceled, MemberSince: t0, Period: 1, PeriodStart: t0, PeriodEnd: end, PriceCents: 1000, Currency: models.Currency, UpdatedAt: end}).Error)
		require.NoError(t, st.DB(ctx).Create(&models.Follow{UserID: ada.ID, ArtistID: a.ID, CreatedAt: t0}).Error)
		_, err = p.UpTo(ctx, 27)
		require.NoError(t, err)

		type row struct {
			FanID                 string
			Move                  models.MembershipMove
			TierBefore, TierAfter models.Tier
			PriceAfter            int64
		}
		var got []row
		require.NoError(t, st.DB(ctx).Model(&models.MembershipEvent{}).Select("fan_id, move, tier_before, tier_after, price_after").
			Where("artist_id = ?", a.ID).Order("at").Scan(&got).Error)
		a1, b1 := ada.ID.String(), bo.ID.String()
		for i := range got {
			got[i].FanID = mustParse(t, got[i].FanID)
		}
		require.Equal(t, []row{
			{a1, models.MoveJoined, "", models.TierSupporter, 500},
			{b1, models.MoveJoined, "", models.TierSuperfan, 1000},
			{a1, models.MoveUpgraded, models.TierSupporter, models.TierSuperfan, 333},
			{a1, models.MovePaymentFailed, models.TierSuperfan, models.TierSuperfan, 1000},
			{a1, models.MoveRecovered, models.TierSuperfan, models.TierSuperfan, 1000},
			{b1, models.MoveEnded, models.TierSuperfan, "", 0},
		}, got)
		var follows int64
		require.NoError(t, st.DB(ctx).Model(&models.FollowEvent{}).Where("artist_id = ? AND followed", a.ID).Count(&follows).Error)
		require.Equal(t, int64(1), follows)
	})
}

// mustParse writes an id as uuid.UUID.String does, whichever way the
// dialect stored it.
func mustParse(t *testing.T, id string) string {
	t.Helper()
	u, err := uuid.Parse(id)
	require.NoError(t, err)
	return u.String()
}
