package analytics_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A small club over four months, its mirror written as the membership
// activity writes it: January's cohort is Ada (supporter, upgrades in
// February), Bo (superfan, cancels in February, ends in March) and Cy
// (supporter, fails a payment in February and recovers); February's is
// Dee; Bo re-joins in April, a reactivation that starts no cohort.
// Retention by hand:
//
//	Jan: size 3, members 3, 2, 2, 3 (Bo back in April); MRR 2000, 1500, 1500, 2500
//	Feb: size 1, members 1, 1, 1; MRR 500, 500, 500
func TestCohortsByHand(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := user(t, st, "artist", models.RoleArtist)
		ada, bo, cy, dee := user(t, st, "ada", models.RoleFan), user(t, st, "bo", models.RoleFan), user(t, st, "cy", models.RoleFan), user(t, st, "dee", models.RoleFan)
		day := func(month, d int) time.Time { return time.Date(2026, time.Month(month), d, 12, 0, 0, 0, time.UTC) }
		record := func(fan *models.User, at time.Time, tier models.Tier, status models.SubscriptionStatus, price int64) {
			t.Helper()
			require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artist.ID, FanID: fan.ID, WorkflowID: "m/" + fan.Email,
				Tier: tier, Status: status, MemberSince: at, Period: 1, PeriodStart: at, PeriodEnd: at.AddDate(0, 1, 0), PriceCents: price,
				Currency: models.Currency, UpdatedAt: at}, 0, nil))
		}
		record(ada, day(1, 3), models.TierSupporter, models.StatusActive, 500)
		record(bo, day(1, 10), models.TierSuperfan, models.StatusActive, 1000)
		record(cy, day(1, 20), models.TierSupporter, models.StatusActive, 500)
		record(ada, day(2, 5), models.TierSuperfan, models.StatusActive, 1000)
		record(bo, day(2, 10), models.TierSuperfan, models.StatusCanceling, 1000)
		record(bo, day(2, 28), models.TierSuperfan, models.StatusCanceled, 1000)
		record(cy, day(2, 20), models.TierSupporter, models.StatusPastDue, 500)
		record(cy, day(2, 23), models.TierSupporter, models.StatusActive, 500)
		record(dee, day(2, 14), models.TierSupporter, models.StatusActive, 500)
		record(bo, day(4, 2), models.TierSuperfan, models.StatusPending, 1000)
		record(bo, day(4, 3), models.TierSuperfan, models.StatusActive, 1000)

		a := &analytics.Analytics{Store: st, Now: func() time.Time { return day(4, 15) }}
		got, err := a.Cohorts(ctx, artist.ID, day(1, 1), day(2, 1))
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, analytics.Cohort{Month: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Size: 3,
			Members: []int{3, 2, 2, 3}, MRR: []int64{2000, 1500, 1500, 2500}}, got[0])
		require.Equal(t, analytics.Cohort{Month: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Size: 1,
			Members: []int{1, 1, 1}, MRR: []int64{500, 500, 500}}, got[1])

		_, err = a.Cohorts(ctx, artist.ID, day(3, 1), day(1, 1))
		require.Equal(t, "to", fieldOf(err), "a reversed range")
		_, err = a.Cohorts(ctx, artist.ID, day(1, 1), day(1, 1).AddDate(2, 0, 0))
		require.Equal(t, "to", fieldOf(err), "over two years")
	})
}

func user(t *testing.T, st *store.Store, name string, role models.Role) *models.User {
	t.Helper()
	u := &models.User{ID: models.NewID(), Email: name + "@example.com", PasswordHash: "x", Role: role, DisplayName: name, TimeZone: "UTC"}
	var a *models.Artist
	if role == models.RoleArtist {
		a = &models.Artist{Name: name, Slug: name}
	}
	require.NoError(t, st.CreateUser(t.Context(), u, a))
	return u
}

func fieldOf(err error) string {
	var e *models.Error
	if !errors.As(err, &e) {
		return fmt.Sprint(err)
	}
	return e.Field
}
