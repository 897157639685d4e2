package store_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// An artist's webhook is set, replaced (keeping when it was first set)
// and forgotten; an announcement's key is claimed once until released;
// the token never shows when a row is formatted or logged.
func TestDiscordRows(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "a@example.com", models.RoleArtist)
		t0 := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
		const token = "secret-token-abcdefghijklmnopqrstuvwxyz-WXYZ"
		_, err := st.DiscordWebhook(ctx, artist.ID)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		require.NoError(t, st.SetDiscordWebhook(ctx, &models.DiscordWebhook{ArtistID: artist.ID, WebhookID: "1", Token: "old", CreatedAt: t0, UpdatedAt: t0}))
		require.NoError(t, st.SetDiscordWebhook(ctx, &models.DiscordWebhook{ArtistID: artist.ID, WebhookID: "2", Token: token, ChannelID: "9", CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)}))
		w, err := st.DiscordWebhook(ctx, artist.ID)
		require.NoError(t, err)
		require.Equal(t, "2", w.WebhookID)
		require.Equal(t, token, w.Token)
		require.Equal(t, "9", w.ChannelID)
		require.True(t, w.CreatedAt.Equal(t0), "replaced, not recreated")
		require.True(t, w.UpdatedAt.Equal(t0.Add(time.Hour)))

		var logged strings.Builder
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("hook", "webhook", *w)
		for _, s := range []string{fmt.Sprint(*w), fmt.Sprintf("%v %+v %s %#v", w, *w, *w, *w), logged.String()} {
			require.NotContains(t, s, token[:len(token)-4])
			require.Contains(t, s, "WXYZ")
		}

		post := &models.DiscordPost{Key: "party/1/live", ArtistID: artist.ID, CreatedAt: t0}
		claimed, err := st.ClaimDiscordPost(ctx, post)
		require.NoError(t, err)
		require.True(t, claimed)
		claimed, err = st.ClaimDiscordPost(ctx, post)
		require.NoError(t, err)
		require.False(t, claimed, "one claim per key")
		require.NoError(t, st.ReleaseDiscordPost(ctx, post.Key))
		claimed, err = st.ClaimDiscordPost(ctx, post)
		require.NoError(t, err)
		require.True(t, claimed, "released, claimed again")

		require.NoError(t, st.DeleteDiscordWebhook(ctx, artist.ID))
		require.NoError(t, st.DeleteDiscordWebhook(ctx, artist.ID), "forgetting none is fine")
		_, err = st.DiscordWebhook(ctx, artist.ID)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
	})
}
