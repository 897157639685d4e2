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

// A party room's standing rows: admissions once each, bans that a kick
// never shortens and that end, one open stay per user, listening time
// summed over stays.
func TestPartySeatRows(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		f := newUser(t, st, "f@example.com", models.RoleFan)
		g := newUser(t, st, "g@example.com", models.RoleFan)
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		p := newParty(t, st, a.ID, now, true)

		admitted, err := st.PartyAdmitted(ctx, p.ID, f.ID)
		require.NoError(t, err)
		require.False(t, admitted)
		require.NoError(t, st.AdmitToParty(ctx, p.ID, f.ID, now))
		require.NoError(t, st.AdmitToParty(ctx, p.ID, f.ID, now), "again: a no-op")
		admitted, err = st.PartyAdmitted(ctx, p.ID, f.ID)
		require.NoError(t, err)
		require.True(t, admitted)

		banned := func(at time.Time) bool {
			b, err := st.PartyBanned(ctx, p.ID, f.ID, at)
			require.NoError(t, err)
			return b
		}
		kickEnd := now.Add(time.Minute)
		require.NoError(t, st.BanFromParty(ctx, p.ID, f.ID, a.ID, &kickEnd, now))
		require.True(t, banned(now))
		require.False(t, banned(kickEnd), "a kick ends")
		require.NoError(t, st.BanFromParty(ctx, p.ID, f.ID, a.ID, nil, now))
		require.NoError(t, st.BanFromParty(ctx, p.ID, f.ID, a.ID, &kickEnd, now))
		require.True(t, banned(now.Add(time.Hour)), "a kick does not shorten a ban")
		require.NoError(t, st.LiftPartyBan(ctx, p.ID, f.ID))
		require.False(t, banned(now))
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.LiftPartyBan(ctx, p.ID, f.ID)))

		require.NoError(t, st.OpenPartyStay(ctx, p.ID, f.ID, now))
		require.NoError(t, st.OpenPartyStay(ctx, p.ID, f.ID, now.Add(time.Second)), "an open stay is kept")
		require.NoError(t, st.OpenPartyStay(ctx, p.ID, g.ID, now.Add(10*time.Second)))
		listeners, err := st.PartyListeners(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, listeners, 2)
		require.Equal(t, f.ID, listeners[0].UserID, "earliest first")
		require.Equal(t, f.DisplayName, listeners[0].DisplayName)
		require.NoError(t, st.ClosePartyStay(ctx, p.ID, f.ID, now.Add(60*time.Second)))
		require.NoError(t, st.OpenPartyStay(ctx, p.ID, f.ID, now.Add(100*time.Second)))
		listeners, err = st.PartyListeners(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, listeners, 2)

		seconds, err := st.ListeningSeconds(ctx, p.ID, now.Add(130*time.Second))
		require.NoError(t, err)
		require.Equal(t, map[uuid.UUID]int64{f.ID: 60 + 30, g.ID: 120}, seconds)
	})
}
