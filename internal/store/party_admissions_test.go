package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A private party's guests in pages; a new invite code ends admissions no
// host accepted and the RSVPs without one, in the edit's transaction; a
// public party's new (empty) code ends nothing.
func TestPartyGuestsAndANewCode(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		code, rsvp, kept, cohost := newUser(t, st, "c@example.com", models.RoleFan), newUser(t, st, "r@example.com", models.RoleFan),
			newUser(t, st, "k@example.com", models.RoleFan), newUser(t, st, "h@example.com", models.RoleFan)
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		p := newParty(t, st, a.ID, at, true)
		require.NoError(t, st.AddCoHost(ctx, p.ID, cohost.ID, 10, at))
		require.NoError(t, st.AdmitToParty(ctx, p.ID, code.ID, at))
		require.NoError(t, st.RSVP(ctx, p.ID, rsvp.ID, at.Add(time.Minute)))
		require.NoError(t, st.RSVP(ctx, p.ID, cohost.ID, at))
		require.NoError(t, st.AdmitToParty(ctx, p.ID, kept.ID, at))
		require.NoError(t, st.RSVP(ctx, p.ID, kept.ID, at.Add(-time.Minute)))
		require.NoError(t, st.AcceptToParty(ctx, p.ID, kept.ID, a.ID, at.Add(time.Hour)))

		all := func() map[string]models.PartyGuest {
			out, cursor := map[string]models.PartyGuest{}, ""
			for {
				rows, next, err := st.PartyGuests(ctx, p.ID, cursor, 1)
				require.NoError(t, err)
				require.LessOrEqual(t, len(rows), 1)
				for _, g := range rows {
					out[g.DisplayName] = g
				}
				if next == "" {
					return out
				}
				cursor = next
			}
		}
		got := all()
		require.Len(t, got, 4)
		require.Equal(t, models.PartyGuest{UserID: kept.ID, DisplayName: kept.DisplayName, Since: at.Add(-time.Minute), Accepted: true, RSVPed: true},
			withUTC(got[kept.DisplayName]))
		require.Equal(t, models.PartyGuest{UserID: rsvp.ID, DisplayName: rsvp.DisplayName, Since: at.Add(time.Minute), RSVPed: true}, withUTC(got[rsvp.DisplayName]))
		require.False(t, got[code.DisplayName].RSVPed)

		p.InviteCode = "another"
		require.NoError(t, st.UpdateParty(ctx, p))
		got = all()
		require.ElementsMatch(t, []string{kept.DisplayName, cohost.DisplayName}, keys(got), "the accepted guest and the co-host's RSVP stay")

		p.Private, p.InviteCode = false, ""
		require.NoError(t, st.UpdateParty(ctx, p))
		require.NoError(t, st.RSVP(ctx, p.ID, rsvp.ID, at))
		p.Title = "Renamed"
		require.NoError(t, st.UpdateParty(ctx, p))
		require.Len(t, all(), 3, "a public party's edit ends nothing")

		require.NoError(t, st.ClearPartyGuest(ctx, p.ID, kept.ID))
		require.ErrorIs(t, st.ClearPartyGuest(ctx, p.ID, kept.ID), models.ErrNotFound)
		_, _, err := st.PartyGuests(ctx, p.ID, "not-a-cursor", 10)
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
	})
}

func withUTC(g models.PartyGuest) models.PartyGuest {
	g.Since = g.Since.UTC()
	return g
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
