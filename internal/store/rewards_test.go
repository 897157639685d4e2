package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

var rewardNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func grant(rule models.RewardRule, fan uuid.UUID) *models.RewardGrant {
	return &models.RewardGrant{ID: models.NewID(), UserID: fan, ArtistID: rule.ArtistID, MilestoneKey: rule.MilestoneKey, RuleID: rule.ID,
		Kind: rule.Kind, Title: rule.Title, ContentID: rule.ContentID, MeetAt: rule.MeetAt, GrantedAt: rewardNow}
}

// A configuration is replaced whole, or not at all when an unlock names
// another artist's content; a grant is given once per fan and rule; the
// unlocks are the fan's own.
func TestRewardRulesAndGrants(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a, b := newUser(t, st, "a@example.com", models.RoleArtist), newUser(t, st, "b@example.com", models.RoleArtist)
		kai, ada := newUser(t, st, "kai@example.com", models.RoleFan), newUser(t, st, "ada@example.com", models.RoleFan)
		mine, theirs := newContent(t, st, a.ID, rewardNow, 60), newContent(t, st, b.ID, rewardNow, 60)
		rule := func(key string, pos int, kind models.RewardKind) models.RewardRule {
			return models.RewardRule{ID: models.NewID(), ArtistID: a.ID, MilestoneKey: key, Position: pos, Kind: kind, Title: "r", CreatedAt: rewardNow}
		}
		badge, unlock := rule("minutes_1000", 0, models.RewardBadge), rule("minutes_1000", 1, models.RewardUnlock)
		unlock.ContentID = &mine.ID
		require.NoError(t, st.ReplaceRewardRules(ctx, a.ID, []models.RewardRule{badge, unlock}))

		bad := rule("score_100", 0, models.RewardUnlock)
		bad.ContentID = &theirs.ID
		err := st.ReplaceRewardRules(ctx, a.ID, []models.RewardRule{rule("score_100", 1, models.RewardBadge), bad})
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
		require.Equal(t, "rules[1].content_id", err.(*models.Error).Field)
		rules, err := st.RewardRules(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, []uuid.UUID{badge.ID, unlock.ID}, []uuid.UUID{rules[0].ID, rules[1].ID}, "the refused replacement wrote nothing")

		first, err := st.GrantReward(ctx, grant(unlock, kai.ID))
		require.NoError(t, err)
		again, err := st.GrantReward(ctx, grant(unlock, kai.ID))
		require.NoError(t, err)
		require.Equal(t, first.ID, again.ID, "a retried grant finds the first")
		_, err = st.GrantReward(ctx, grant(badge, kai.ID))
		require.NoError(t, err)
		require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", kai.ID), 2)

		got, err := st.Unlocked(ctx, a.ID, kai.ID)
		require.NoError(t, err)
		require.Equal(t, map[uuid.UUID]bool{mine.ID: true}, got)
		got, err = st.Unlocked(ctx, a.ID, ada.ID)
		require.NoError(t, err)
		require.Empty(t, got, "the unlock is kai's only")

		p1, next, err := st.RewardGrants(ctx, kai.ID, "", 1)
		require.NoError(t, err)
		require.NotEmpty(t, next)
		p2, next, err := st.RewardGrants(ctx, kai.ID, next, 1)
		require.NoError(t, err)
		require.Empty(t, next)
		require.Equal(t, models.RewardBadge, p1[0].Kind, "newest first")
		require.Equal(t, models.RewardUnlock, p2[0].Kind)

		require.NoError(t, st.ReplaceRewardRules(ctx, a.ID, nil))
		rules, err = st.RewardRules(ctx, a.ID)
		require.NoError(t, err)
		require.Empty(t, rules)
		require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", kai.ID), 2, "grants outlive their configuration")
	})
}

// Concurrent grants of a meet & greet take at most its seats, and a new
// configuration keeps the seats given.
func TestMeetGreetNeverOverBooks(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		at := rewardNow.Add(48 * time.Hour)
		rule := models.RewardRule{ID: models.NewID(), ArtistID: a.ID, MilestoneKey: "score_100", Kind: models.RewardMeetGreet,
			Title: "Meet", Seats: 3, MeetAt: &at, CreatedAt: rewardNow}
		require.NoError(t, st.ReplaceRewardRules(ctx, a.ID, []models.RewardRule{rule}))
		const fans = 8
		var wg sync.WaitGroup
		results := make([]error, fans)
		for i := range fans {
			fan := newUser(t, st, uuid.NewString()+"@example.com", models.RoleFan)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = st.GrantReward(ctx, grant(rule, fan.ID))
			}()
		}
		wg.Wait()
		granted := 0
		for _, err := range results {
			if err == nil {
				granted++
			} else {
				require.Equal(t, models.CodeFull, models.ErrorCode(err), "%v", err)
			}
		}
		require.Equal(t, 3, granted)
		require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "rule_id = ?", rule.ID), 3)
		pool := testenv.Rows[models.MeetGreet](t, st, "meet_at", "artist_id = ?", a.ID)
		require.Equal(t, 3, pool[0].Taken)

		rule.ID, rule.Seats = models.NewID(), 4
		require.NoError(t, st.ReplaceRewardRules(ctx, a.ID, []models.RewardRule{rule}))
		late := newUser(t, st, "late@example.com", models.RoleFan)
		_, err := st.GrantReward(ctx, grant(rule, late.ID))
		require.NoError(t, err, "one seat more")
		_, err = st.GrantReward(ctx, grant(rule, newUser(t, st, "later@example.com", models.RoleFan).ID))
		require.Equal(t, models.CodeFull, models.ErrorCode(err), "the three given still count")
	})
}

// A discount code is redeemed once, before it expires, at its artist's
// store only; a refused redemption changes nothing.
func TestRedeemDiscount(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a, b := newUser(t, st, "a@example.com", models.RoleArtist), newUser(t, st, "b@example.com", models.RoleArtist)
		kai := newUser(t, st, "kai@example.com", models.RoleFan)
		issue := func(code string, expires time.Time) {
			g := &models.RewardGrant{ID: models.NewID(), UserID: kai.ID, ArtistID: a.ID, MilestoneKey: "score_100", RuleID: models.NewID(),
				Kind: models.RewardDiscount, Title: "10%", Code: &code, PercentOff: 10, ExpiresAt: &expires, GrantedAt: rewardNow}
			_, err := st.GrantReward(ctx, g)
			require.NoError(t, err)
		}
		issue("LIVE", rewardNow.Add(time.Hour))
		issue("OLD", rewardNow.Add(-time.Minute))

		_, err := st.RedeemDiscount(ctx, b.ID, "LIVE", rewardNow)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err), "another artist's store")
		_, err = st.RedeemDiscount(ctx, a.ID, "NONE", rewardNow)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		_, err = st.RedeemDiscount(ctx, a.ID, "OLD", rewardNow)
		require.Equal(t, models.CodeExpired, models.ErrorCode(err))
		g, err := st.RedeemDiscount(ctx, a.ID, "LIVE", rewardNow)
		require.NoError(t, err)
		require.Equal(t, 10, g.PercentOff)
		_, err = st.RedeemDiscount(ctx, a.ID, "LIVE", rewardNow.Add(time.Minute))
		require.Equal(t, models.CodeRedeemed, models.ErrorCode(err))
		rows := testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", kai.ID)
		require.True(t, rows[0].RedeemedAt.Equal(rewardNow), "the first redemption's time stays")
		require.Nil(t, rows[1].RedeemedAt)
	})
}

// A priority seat binds to the first party it is claimed in and serves
// that party only.
func TestPrioritySeat(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		kai, ada := newUser(t, st, "kai@example.com", models.RoleFan), newUser(t, st, "ada@example.com", models.RoleFan)
		one, two := newParty(t, st, a.ID, rewardNow, false), newParty(t, st, a.ID, rewardNow.Add(time.Hour), false)
		_, err := st.GrantReward(ctx, &models.RewardGrant{ID: models.NewID(), UserID: kai.ID, ArtistID: a.ID, MilestoneKey: "score_100",
			RuleID: models.NewID(), Kind: models.RewardPrioritySeat, Title: "seat", GrantedAt: rewardNow})
		require.NoError(t, err)
		for _, c := range []struct {
			party, user uuid.UUID
			want        bool
		}{{one.ID, ada.ID, false}, {one.ID, kai.ID, true}, {one.ID, kai.ID, true}, {two.ID, kai.ID, false}} {
			got, err := st.ClaimPrioritySeat(ctx, a.ID, c.party, c.user)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		}
	})
}
