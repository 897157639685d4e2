package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// One running session per artist; ending frees the slot, and ending when
// none runs is not found.
func TestLiveSessions(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "a@example.com", models.RoleArtist)
		now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
		start := func() (*models.LiveSession, error) {
			row := &models.LiveSession{ID: models.NewID(), ArtistID: artist.ID, Title: "Live", StreamURL: "https://twitch.tv/x", StartedAt: now}
			return row, st.StartLiveSession(ctx, row)
		}
		first, err := start()
		require.NoError(t, err)
		_, err = start()
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
		running, err := st.RunningLiveSession(ctx, artist.ID)
		require.NoError(t, err)
		require.Equal(t, first.ID, running.ID)

		ended, err := st.EndLiveSession(ctx, artist.ID, now.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, first.ID, ended.ID)
		_, err = st.EndLiveSession(ctx, artist.ID, now)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		_, err = st.RunningLiveSession(ctx, artist.ID)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		stored, err := st.LiveSession(ctx, first.ID)
		require.NoError(t, err)
		require.NotNil(t, stored.EndedAt)

		_, err = start()
		require.NoError(t, err, "a new session once the last ended")
	})
}
