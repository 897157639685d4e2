package api

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// A batch holds each user's net change: a user who came and went (or went
// and came back) within it is in neither list; a party's batches go apart.
func TestPartyRosterBatchesNetChanges(t *testing.T) {
	sent := make(chan models.PartyRoster, 4)
	r := newPartyRosters(func(_ context.Context, _ uuid.UUID, b models.PartyRoster) error {
		sent <- b
		return nil
	}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	party, other := models.NewID(), models.NewID()
	a, b, c := models.NewID(), models.NewID(), models.NewID()
	r.note(party, a, true)
	r.note(party, b, true)
	r.note(party, a, false) // came and went
	r.note(party, c, false)
	r.note(party, c, true) // went and came back
	r.note(other, a, true)
	r.flush(party)
	got := <-sent
	require.Equal(t, []uuid.UUID{b}, got.Joined)
	require.Empty(t, got.Left)
	r.flush(other)
	require.Equal(t, []uuid.UUID{a}, (<-sent).Joined)
	r.flush(party) // nothing left: nothing sent
	require.Empty(t, sent)
}
