package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A flushed batch adds each new event once: an event whose id or whose
// (user, once key) is stored already is skipped, inside the batch and
// across batches; a batch flushed again adds nothing; events of a user or
// artist that no longer exist, an artist's own and empty ones are dropped
// instead of failing the batch.
func TestAppendEngagement(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "f@example.com", models.RoleFan)
		at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		key := func(s string) *string { return &s }
		event := func(action models.Action, amount int64, once *string) models.EngagementEvent {
			return models.EngagementEvent{ID: models.NewID(), UserID: fan.ID, ArtistID: a.ID, Action: action, Amount: amount, At: at, OnceKey: once}
		}
		p1, p2, s1 := event(models.ActionProgress, 30, key("client:p1")), event(models.ActionProgress, 20, key("client:p2")), event(models.ActionShare, 1, key("client:s1"))
		again := event(models.ActionProgress, 99, key("client:p1")) // the same client id, another server id
		gone := event(models.ActionShare, 1, key("client:gone"))
		gone.UserID = models.NewID()
		own := event(models.ActionShare, 1, key("client:own"))
		own.UserID = a.ID
		batch := []models.EngagementEvent{p1, p2, again, p1, s1, gone, own}

		added, err := st.AppendEngagement(ctx, batch)
		require.NoError(t, err)
		require.Equal(t, 3, added, "p1, p2 and s1")
		totals, err := st.EngagementTotals(ctx, fan.ID, a.ID)
		require.NoError(t, err)
		require.Equal(t, map[models.Action]int64{models.ActionProgress: 50, models.ActionShare: 1}, totals)

		added, err = st.AppendEngagement(ctx, batch)
		require.NoError(t, err)
		require.Zero(t, added, "a re-flushed batch adds nothing")

		p3 := event(models.ActionProgress, 10, key("client:p3"))
		added, err = st.AppendEngagement(ctx, []models.EngagementEvent{again, p3})
		require.NoError(t, err)
		require.Equal(t, 1, added, "a later batch with a stored once key adds the rest")
		rows := testenv.Rows[models.EngagementEvent](t, st, "amount", "user_id = ?", fan.ID)
		require.Len(t, rows, 4)
		require.Equal(t, p3.ID, rows[1].ID, "share 1, then p3 10")
		require.Equal(t, "client:p3", *rows[1].OnceKey)
		require.True(t, at.Equal(rows[1].At))

		added, err = st.AppendEngagement(ctx, nil)
		require.NoError(t, err)
		require.Zero(t, added)
	})
}

// A batch bigger than one SQLite statement's, and than a flush's, goes in
// one call.
func TestAppendEngagementLargeBatch(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "f@example.com", models.RoleFan)
		at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		events := make([]models.EngagementEvent, 6001)
		for i := range events {
			events[i] = models.EngagementEvent{ID: models.NewID(), UserID: fan.ID, ArtistID: a.ID, Action: models.ActionShare, Amount: 1, At: at}
		}
		added, err := st.AppendEngagement(t.Context(), events)
		require.NoError(t, err)
		require.Equal(t, len(events), added)
	})
}
