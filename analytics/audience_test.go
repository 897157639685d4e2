package analytics_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// The k rule, case by case.
func TestAudienceAnonymize(t *testing.T) {
	type g = analytics.Group
	for _, c := range []struct {
		name string
		in   []g
		want []g
	}{
		{"nothing", nil, []g{}},
		{"every group of k or more is kept, in order", []g{{"b", 10}, {"a", 30}}, []g{{"b", 10}, {"a", 30}}},
		{"small groups merged, other reaching k", []g{{"a", 20}, {"b", 6}, {"c", 4}}, []g{{"a", 20}, {"other", 10}}},
		{"other under k takes the smallest group left", []g{{"a", 20}, {"b", 12}, {"c", 1}}, []g{{"a", 20}, {"other", 13}}},
		{"other under k (5+3+1) takes the smallest group left", []g{{"a", 20}, {"b", 10}, {"c", 5}, {"d", 3}, {"e", 1}}, []g{{"a", 20}, {"other", 19}}},
		{"only the smallest goes: other then holds k", []g{{"a", 20}, {"b", 11}, {"c", 10}, {"d", 2}, {"e", 1}}, []g{{"a", 20}, {"b", 11}, {"other", 13}}},
		{"everything other", []g{{"a", 9}, {"b", 9}}, []g{{"other", 18}}},
		{"one big group and one person: no group left beside other", []g{{"a", 15}, {"b", 1}}, []g{{"other", 16}}},
		{"a tie: the later one goes", []g{{"a", 10}, {"b", 10}, {"c", 1}}, []g{{"a", 10}, {"other", 11}}},
		{"empty groups left out", []g{{"a", 10}, {"b", 0}}, []g{{"a", 10}}},
		{"a group called other is merged", []g{{"a", 12}, {"other", 10}, {"b", 3}}, []g{{"a", 12}, {"other", 13}}},
		{"under k in all: one other (the caller suppresses it)", []g{{"a", 3}, {"b", 2}}, []g{{"other", 5}}},
		{"exactly k", []g{{"a", 10}}, []g{{"a", 10}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, analytics.Anonymize(c.in, analytics.K))
		})
	}

	// Whatever the groups, with k or more people in all every group
	// answered holds k or more, and nobody is lost or counted twice.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var in []g
		total := 0
		for i := range rng.IntN(8) {
			n := rng.IntN(25)
			in = append(in, g{fmt.Sprint(i), n})
			total += n
		}
		out := analytics.Anonymize(in, analytics.K)
		sum := 0
		for _, o := range out {
			sum += o.Count
			if total >= analytics.K {
				require.GreaterOrEqual(t, o.Count, analytics.K, "%v → %v", in, out)
			}
		}
		require.Equal(t, total, sum, "%v → %v", in, out)
	}
}

// An artist's audience by hand, on both dialects. Now is 15 June 2026.
//
//	12 followers  NO, born 1990 (35-44), Europe/Oslo, played on 10 March
//	10 supporters SE, born 2002 (18-24; 25-34 in 2027), Europe/Stockholm, not following; one played on 31 March 23:59, and on 1 April
//	 1 superfan   IS, born 1950 (65+), Atlantic/Reykjavik, past due, following too (counted once), played on 11 March
//	 9 followers  with nothing given (unknown, unknown, UTC)
//
// Not in it: a canceled member, a member whose first charge is pending,
// and the other artist's follower, whatever they did in March.
func TestAudienceByHand(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist, elsewhere := user(t, st, "artist", models.RoleArtist), user(t, st, "elsewhere", models.RoleArtist)
		at := func(month, day, hour, minute int) time.Time {
			return time.Date(2026, time.Month(month), day, hour, minute, 0, 0, time.UTC)
		}
		var events []models.EngagementEvent
		played := func(fan *models.User, whom *models.User, when time.Time) {
			events = append(events, models.EngagementEvent{ID: models.NewID(), UserID: fan.ID, ArtistID: whom.ID, Action: models.ActionPlay, Amount: 1, At: when})
		}
		member := func(fan *models.User, tier models.Tier, status models.SubscriptionStatus) {
			t.Helper()
			since := at(1, 5, 12, 0)
			require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artist.ID, FanID: fan.ID, WorkflowID: "m/" + fan.Email,
				Tier: tier, Status: status, MemberSince: since, Period: 1, PeriodStart: since, PeriodEnd: since.AddDate(0, 1, 0),
				PriceCents: models.DefaultTerms().Price(tier), Currency: models.Currency, UpdatedAt: since}, 0, nil))
		}
		follow := func(fan, whom *models.User) {
			t.Helper()
			_, _, err := st.Follow(ctx, fan.ID, whom.ID)
			require.NoError(t, err)
		}
		for i := range 12 {
			f := fanOf(t, st, fmt.Sprintf("no%d", i), "NO", 1990, "Europe/Oslo")
			follow(f, artist)
			played(f, artist, at(3, 10, 12, 0))
		}
		for i := range 10 {
			f := fanOf(t, st, fmt.Sprintf("se%d", i), "SE", 2002, "Europe/Stockholm")
			member(f, models.TierSupporter, models.StatusActive)
			if i == 0 {
				played(f, artist, at(3, 31, 23, 59))
				played(f, artist, at(4, 1, 0, 0))
			}
		}
		lone := fanOf(t, st, "lone", "IS", 1950, "Atlantic/Reykjavik")
		member(lone, models.TierSuperfan, models.StatusPastDue)
		follow(lone, artist)
		played(lone, artist, at(3, 11, 8, 0))
		for i := range 9 {
			follow(fanOf(t, st, fmt.Sprintf("anon%d", i), "", 0, "UTC"), artist)
		}
		for _, name := range []string{"gone", "pending"} {
			f := fanOf(t, st, name, "DK", 1980, "Europe/Copenhagen")
			played(f, artist, at(3, 10, 12, 0))
			member(f, models.TierSuperfan, map[string]models.SubscriptionStatus{"gone": models.StatusCanceled, "pending": models.StatusPending}[name])
		}
		stranger := fanOf(t, st, "stranger", "DK", 1980, "Europe/Copenhagen")
		follow(stranger, elsewhere)
		played(stranger, artist, at(3, 10, 12, 0))
		played(lone, elsewhere, at(3, 20, 12, 0))
		_, err := st.AppendEngagement(ctx, events)
		require.NoError(t, err)

		a := &analytics.Analytics{Store: st, Now: func() time.Time { return at(6, 15, 12, 0) }}
		audience := func(from, to time.Time) *analytics.Audience {
			t.Helper()
			got, err := a.Audience(ctx, artist.ID, from, to)
			require.NoError(t, err)
			return got
		}
		type g = analytics.Group
		march := audience(at(3, 1, 0, 0), at(3, 31, 0, 0))
		require.Equal(t, &analytics.Audience{From: at(3, 1, 0, 0), To: at(3, 31, 0, 0), Total: 32,
			Countries: []g{{"NO", 12}, {"SE", 10}, {"other", 10}},                        // IS 1 + unknown 9
			AgeBands:  []g{{"18-24", 10}, {"35-44", 12}, {"other", 10}},                  // 65+ 1 + unknown 9
			TimeZones: []g{{"Europe/Oslo", 12}, {"Europe/Stockholm", 10}, {"other", 10}}, // Reykjavik 1 + UTC 9
			Tiers:     []g{{"follower", 21}, {"other", 11}},                              // superfan 1, then supporter 10
			Activity:  []g{{"active", 14}, {"dormant", 18}}}, march)                      // 12 NO, the lone fan, one SE on the 31st

		// Narrowing the range to the lone fan's day: one active is merged,
		// and dormant with it.
		day := audience(at(3, 11, 0, 0), at(3, 11, 0, 0))
		require.Equal(t, []g{{"other", 32}}, day.Activity)

		// Differencing [1, 11] and [1, 10] March: the attribute breakdowns
		// are the same answer; only the active count moves, by the lone
		// fan, attached to nothing.
		wide, narrow := audience(at(3, 1, 0, 0), at(3, 11, 0, 0)), audience(at(3, 1, 0, 0), at(3, 10, 0, 0))
		require.Equal(t, []g{{"active", 13}, {"dormant", 19}}, wide.Activity)
		require.Equal(t, []g{{"active", 12}, {"dormant", 20}}, narrow.Activity)
		for _, other := range []*analytics.Audience{wide, narrow, day} {
			require.Equal(t, march.Countries, other.Countries)
			require.Equal(t, march.AgeBands, other.AgeBands)
			require.Equal(t, march.TimeZones, other.TimeZones)
			require.Equal(t, march.Tiers, other.Tiers)
		}
		// Across a new year too: ages are now's, never the range's end's
		// (the supporters born in 2002 would otherwise move from 18-24 to
		// 25-34 between a range ending on 31 December and one ending on 1
		// January, and the difference would say who was born when).
		newYear, oldYear := audience(at(12, 20, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), audience(at(12, 20, 0, 0), at(12, 31, 0, 0))
		require.Equal(t, march.AgeBands, newYear.AgeBands)
		require.Equal(t, march.AgeBands, oldYear.AgeBands)

		// The other artist: one follower, under k: nothing shown.
		small, err := a.Audience(ctx, elsewhere.ID, at(3, 1, 0, 0), at(3, 31, 0, 0))
		require.NoError(t, err)
		require.Equal(t, &analytics.Audience{From: at(3, 1, 0, 0), To: at(3, 31, 0, 0), Total: 1, Suppressed: true,
			Countries: []g{}, AgeBands: []g{}, TimeZones: []g{}, Tiers: []g{}, Activity: []g{}}, small)

		_, err = a.Audience(ctx, artist.ID, at(3, 2, 0, 0), at(3, 1, 0, 0))
		require.Equal(t, "to", fieldOf(err), "a reversed range")
		_, err = a.Audience(ctx, artist.ID, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		require.Equal(t, "to", fieldOf(err), "over two years")
		_, err = a.Audience(ctx, artist.ID, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), at(12, 31, 0, 0))
		require.NoError(t, err, "exactly 24 months")
	})
}

// fanOf is a fan with a country and birth year ("" and 0: not given).
func fanOf(t *testing.T, st *store.Store, name, country string, born int, tz string) *models.User {
	t.Helper()
	u := &models.User{ID: models.NewID(), Email: name + "@example.com", PasswordHash: "x", Role: models.RoleFan, DisplayName: name, TimeZone: tz}
	if country != "" {
		u.Country = &country
	}
	if born != 0 {
		u.BirthYear = &born
	}
	require.NoError(t, st.CreateUser(t.Context(), u, nil))
	return u
}
