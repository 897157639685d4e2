package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// Each act that counts writes its event in its own transaction, once: a
// play with its capped seconds, a follow once (not twice, nor again after
// an unfollow), a party chat line, a closed stay's seconds, a Q&A question;
// a refused act (over the quota) writes none, and an artist's own acts
// are none.
func TestActsRecordTheirEngagement(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "f@example.com", models.RoleFan)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		totals := func() map[models.Action]int64 {
			got, err := st.EngagementTotals(ctx, fan.ID, a.ID)
			require.NoError(t, err)
			return got
		}

		track := newContent(t, st, a.ID, t0, 200)
		require.NoError(t, st.RecordPlay(ctx, track, &models.Play{ID: models.NewID(), UserID: fan.ID, SecondsListened: 5000, CreatedAt: t0}))
		require.NoError(t, st.RecordPlay(ctx, track, &models.Play{ID: models.NewID(), UserID: fan.ID, SecondsListened: 200, CreatedAt: t0}))
		require.NoError(t, st.RecordPlay(ctx, track, &models.Play{ID: models.NewID(), UserID: a.ID, SecondsListened: 100, CreatedAt: t0}))
		for range 2 {
			_, _, err := st.Follow(ctx, fan.ID, a.ID)
			require.NoError(t, err)
		}
		_, _, err := st.Unfollow(ctx, fan.ID, a.ID)
		require.NoError(t, err)
		_, _, err = st.Follow(ctx, fan.ID, a.ID)
		require.NoError(t, err)

		p := newParty(t, st, a.ID, t0, false)
		require.NoError(t, st.AddPartyMessage(ctx, &models.PartyMessage{ID: models.NewID(), PartyID: p.ID, UserID: fan.ID, Body: "hi", CreatedAt: t0}))
		require.NoError(t, st.OpenPartyStay(ctx, p.ID, fan.ID, t0))
		require.NoError(t, st.ClosePartyStay(ctx, p.ID, fan.ID, t0.Add(90*time.Second)))
		require.NoError(t, st.ClosePartyStay(ctx, p.ID, fan.ID, t0.Add(time.Hour)), "a stay closes once")

		s, err := st.OpenQASession(ctx, a.ID, "2026-03", t0)
		require.NoError(t, err)
		ask := func() error {
			return st.AskQuestion(ctx, &models.QAQuestion{ID: models.NewID(), SessionID: s.ID, AuthorID: fan.ID, Body: "why?", CreatedAt: t0}, 1)
		}
		require.NoError(t, ask())
		require.Equal(t, models.CodeQuotaExceeded, models.ErrorCode(ask()))

		require.Equal(t, map[models.Action]int64{models.ActionPlay: 200, models.ActionFollow: 1, models.ActionChat: 1,
			models.ActionListen: 90, models.ActionQuestion: 1}, totals(), "the second play of the same instant credits nothing")
		var own int64
		require.NoError(t, st.DB(ctx).Model(&models.EngagementEvent{}).Where("user_id = ?", a.ID).Count(&own).Error)
		require.Zero(t, own, "an artist's own acts are no engagement")
	})
}
