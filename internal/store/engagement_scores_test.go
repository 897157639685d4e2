package store_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// bruteScore is a fan's score by the formula of docs/engagement.md, from
// the events themselves: what the stored sums must agree with.
func bruteScore(set models.EngagementSettings, events []models.EngagementEvent, period string, now time.Time) float64 {
	var sum float64
	for _, e := range events {
		if period != models.PeriodAll {
			if models.PeriodKey(period, e.At) == models.PeriodKey(period, now) {
				sum += set.Weights.PerUnit(e.Action) * float64(e.Amount)
			}
			continue
		}
		sum += set.Weights.PerUnit(e.Action) * float64(e.Amount) * math.Exp2(-now.Sub(e.At).Seconds()/(float64(set.HalfLifeDays)*86400))
	}
	return sum
}

// A month of random acts by 25 fans: every period's leaderboard, read in
// cursor pages, holds each fan with the score, order and rank the formula
// gives from the events; a fan's standing (rank, fans at or below) agrees
// with a count over the brute-force scores; a hidden fan is left off the
// board but keeps their place; new weights and a new half-life rewrite the
// scores to the formula's again.
func TestScoresAgainstBruteForce(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		now := start.AddDate(0, 0, 30)
		fans := make([]uuid.UUID, 25)
		events := map[uuid.UUID][]models.EngagementEvent{}
		for i := range fans {
			fans[i] = newUser(t, st, fmt.Sprintf("f%d@example.com", i), models.RoleFan).ID
			var batch []models.EngagementEvent
			for range 5 + rng.IntN(30) {
				act := models.Actions[rng.IntN(len(models.Actions))]
				amount := int64(1)
				if act.Streams() {
					amount = 1 + rng.Int64N(900)
				}
				e := models.EngagementEvent{UserID: fans[i], ArtistID: a.ID, Action: act, Amount: amount,
					At: start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))}
				batch = append(batch, e)
				events[fans[i]] = append(events[fans[i]], e)
			}
			for chunk := range slices.Chunk(batch, 7) { // some acts carry several events
				require.NoError(t, st.RecordEngagement(ctx, chunk...))
			}
		}
		_, err := st.UpdateUser(ctx, fans[3], map[string]any{"leaderboard_hidden": true})
		require.NoError(t, err)

		check := func(set models.EngagementSettings) {
			for _, period := range []string{models.PeriodAll, models.PeriodWeek, models.PeriodMonth} {
				key := models.PeriodKey(period, now)
				brute := map[uuid.UUID]float64{}
				for _, f := range fans {
					if s := bruteScore(set, events[f], period, now); s > 0 || hasPeriod(events[f], period, now) {
						brute[f] = s
					}
				}
				order := slices.SortedFunc(func(yield func(uuid.UUID) bool) {
					for f := range brute {
						if !yield(f) {
							return
						}
					}
				}, func(x, y uuid.UUID) int {
					return cmp.Or(-cmpFloat(brute[x], brute[y]), strings.Compare(x.String(), y.String()))
				})
				// Ties (the same acts in a week) share a rank; sums that differ
				// only by rounding are ties.
				rank := func(f uuid.UUID) int64 {
					n := int64(1)
					for _, s := range brute {
						if s > brute[f]*(1+1e-12) {
							n++
						}
					}
					return n
				}
				var board []store.LeaderRow
				cursor := ""
				for {
					rows, next, err := st.Leaderboard(ctx, a.ID, key, 7, cursor)
					require.NoError(t, err)
					board = append(board, rows...)
					if next == "" {
						break
					}
					cursor = next
				}
				var want []uuid.UUID
				for _, f := range order {
					if f != fans[3] {
						want = append(want, f)
					}
				}
				require.Len(t, board, len(want), period)
				for i, r := range board {
					require.Equal(t, want[i], r.UserID, "%s: place %d", period, i)
					got := r.Score
					if period == models.PeriodAll {
						got = set.Decay(r.Score, now)
					}
					require.InEpsilon(t, brute[r.UserID], got, 1e-9, period)
					require.Equal(t, rank(r.UserID), r.Rank, "%s: the hidden fan keeps their place", period)
				}
				for _, f := range []uuid.UUID{fans[3], fans[7]} {
					sd, err := st.Standing(ctx, a.ID, f, key)
					require.NoError(t, err)
					var below int64
					for _, s := range brute {
						if s <= brute[f]*(1+1e-12) {
							below++
						}
					}
					require.Equal(t, int64(len(brute)), sd.Fans)
					if _, ok := brute[f]; ok {
						require.Equal(t, rank(f), sd.Rank, period)
						require.Equal(t, below, sd.AtOrBelow, period)
					}
				}
			}
		}
		check(models.DefaultEngagementSettings(a.ID))

		tuned := models.DefaultEngagementSettings(a.ID)
		tuned.Weights[models.ActionChat], tuned.Weights[models.ActionListen] = 40, 0
		require.NoError(t, st.SaveEngagementSettings(ctx, tuned))
		check(tuned)
		tuned.HalfLifeDays = 7
		require.NoError(t, st.SaveEngagementSettings(ctx, tuned))
		check(tuned)
		got, err := st.EngagementSettings(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, tuned.Weights, got.Weights)
		require.Equal(t, 7, got.HalfLifeDays)
	})
}

func hasPeriod(events []models.EngagementEvent, period string, now time.Time) bool {
	for _, e := range events {
		if models.PeriodKey(period, e.At) == models.PeriodKey(period, now) {
			return true
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Thresholds crossed by many concurrent acts are reached once: 100 plays
// taking a fan past 1,000 minutes and the artist past theirs, 100 fans
// following at once past 100 followers; an unfollow and a follow again
// around the threshold reach nothing more; a club goal is reached once
// when enough memberships grant.
func TestMilestonesAreReachedOnce(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "fan@example.com", models.RoleFan)
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		require.NoError(t, st.RecordEngagement(ctx, models.EngagementEvent{UserID: fan.ID, ArtistID: a.ID, Action: models.ActionPlay, Amount: 60*1000 - 50, At: t0}))
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				require.NoError(t, st.RecordEngagement(ctx, models.EngagementEvent{UserID: fan.ID, ArtistID: a.ID, Action: models.ActionPlay, Amount: 1,
					At: t0.Add(time.Duration(i) * time.Second)}))
			})
		}
		wg.Wait()
		var fanKeys []string
		require.NoError(t, st.DB(ctx).Model(&models.UserMilestone{}).Where("user_id = ? AND artist_id = ?", fan.ID, a.ID).Order("key").Pluck("key", &fanKeys).Error)
		require.Equal(t, []string{"minutes_1000", "score_100", "score_1000"}, fanKeys, "999 minutes scored before, the 1,000th crosses both")

		followers := make([]*models.User, 101)
		for i := range followers {
			followers[i] = newUser(t, st, fmt.Sprintf("fol%d@example.com", i), models.RoleFan)
		}
		for _, f := range followers[:99] {
			_, _, err := st.Follow(ctx, f.ID, a.ID)
			require.NoError(t, err)
		}
		for _, f := range followers[99:] {
			wg.Go(func() {
				_, _, err := st.Follow(ctx, f.ID, a.ID)
				require.NoError(t, err)
			})
		}
		wg.Wait()
		_, _, err := st.Unfollow(ctx, followers[0].ID, a.ID)
		require.NoError(t, err)
		_, _, err = st.Unfollow(ctx, followers[1].ID, a.ID)
		require.NoError(t, err)
		n, _, err := st.Follow(ctx, followers[0].ID, a.ID)
		require.NoError(t, err)
		n, _, err = st.Follow(ctx, followers[1].ID, a.ID)
		require.NoError(t, err)
		require.Equal(t, int64(101), n)

		require.NoError(t, st.SaveClub(ctx, &models.FanClub{ArtistID: a.ID, Milestones: []models.ClubMilestone{{Title: "Two", Members: 2}, {Title: "Ten", Members: 10}}, UpdatedAt: t0}))
		for i, f := range followers[:3] {
			sub := models.Subscription{ArtistID: a.ID, FanID: f.ID, WorkflowID: "m/" + f.ID.String(), Tier: models.TierSupporter,
				Status: models.StatusActive, MemberSince: t0, Period: 1, PeriodStart: t0, PeriodEnd: t0.AddDate(0, 1, 0), UpdatedAt: t0.Add(time.Duration(i) * time.Minute)}
			require.NoError(t, st.RecordMembership(ctx, sub, 0, nil))
		}
		var artist []models.ArtistMilestone
		require.NoError(t, st.DB(ctx).Where("artist_id = ?", a.ID).Order("key").Find(&artist).Error)
		var keys []string
		for _, m := range artist {
			keys = append(keys, m.Key)
			require.Nil(t, m.DeliveredAt, "the row waits for its delivery")
		}
		require.Equal(t, []string{"artist_minutes_1000", "club_members_2", "followers_100"}, keys)
	})
}
