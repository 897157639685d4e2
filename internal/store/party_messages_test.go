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

// A party's chat on both dialects: newest first in cursor pages (rows
// sharing a time included), a delete hides a message from pages and from
// another delete, a foreign party's message is not found, reports land
// once in the DM reports' queue, slow mode is stored.
func TestPartyMessages(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		f := newUser(t, st, "f@example.com", models.RoleFan)
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		p, other := newParty(t, st, a.ID, at, false), newParty(t, st, a.ID, at, false)
		var sent []uuid.UUID
		for i := range 5 {
			m := &models.PartyMessage{ID: models.NewID(), PartyID: p.ID, UserID: f.ID, Body: "hi", CreatedAt: at.Add(time.Duration(i/2) * time.Second)}
			require.NoError(t, st.AddPartyMessage(ctx, m))
			sent = append(sent, m.ID)
		}
		require.NoError(t, st.AddPartyMessage(ctx, &models.PartyMessage{ID: models.NewID(), PartyID: other.ID, UserID: f.ID, Body: "elsewhere", CreatedAt: at}))

		var got []uuid.UUID
		cursor := ""
		for {
			rows, next, err := st.PartyMessages(ctx, p.ID, cursor, 2)
			require.NoError(t, err)
			for _, r := range rows {
				require.Equal(t, "f", r.DisplayName[:1], "the sender's display name comes along")
				got = append(got, r.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		require.Len(t, got, 5)
		require.Equal(t, sent[4], got[0], "newest first")
		require.ElementsMatch(t, sent, got, "every message once")

		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.DeletePartyMessage(ctx, other.ID, sent[0], a.ID, at)), "another party's message")
		require.NoError(t, st.DeletePartyMessage(ctx, p.ID, sent[0], a.ID, at))
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.DeletePartyMessage(ctx, p.ID, sent[0], a.ID, at)), "deleted once")
		rows, _, err := st.PartyMessages(ctx, p.ID, "", 10)
		require.NoError(t, err)
		require.Len(t, rows, 4)
		counted, err := st.Party(ctx, p.ID)
		require.NoError(t, err)
		require.EqualValues(t, 5, counted.ChatMessages, "the count keeps deleted messages: they were sent")

		_, err = st.ReportPartyMessage(ctx, p.ID, sent[1], f.ID, "mine", at)
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err), "one's own message")
		r, err := st.ReportPartyMessage(ctx, p.ID, sent[1], a.ID, "spam", at)
		require.NoError(t, err)
		_, err = st.ReportPartyMessage(ctx, p.ID, sent[1], a.ID, "spam again", at)
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
		_, err = st.ReportPartyMessage(ctx, other.ID, sent[1], a.ID, "spam", at)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		queue := testenv.Rows[models.MessageReport](t, st, "created_at", "status = ?", "open")
		require.Len(t, queue, 1)
		require.Equal(t, r.ID, queue[0].ID)
		require.Nil(t, queue[0].MessageID)
		require.Equal(t, sent[1], *queue[0].PartyMessageID)

		secs, err := st.PartySlowMode(ctx, p.ID)
		require.NoError(t, err)
		require.Zero(t, secs)
		require.NoError(t, st.SetPartySlowMode(ctx, p.ID, 30))
		secs, err = st.PartySlowMode(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, 30, secs)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.SetPartySlowMode(ctx, models.NewID(), 5)))
	})
}
