package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func newContent(t *testing.T, st *store.Store, artistID uuid.UUID, at time.Time, duration int) *models.Content {
	t.Helper()
	c := &models.Content{ID: models.NewID(), ArtistID: artistID, Kind: models.ContentTrack, Title: "T", DurationSeconds: duration,
		MinTier: models.TierFollower, CreatedAt: at, UpdatedAt: at}
	require.NoError(t, st.CreateContent(t.Context(), c))
	return c
}

// Content rows: newest first in cursor pages, edited and soft-deleted only
// by their artist, and gone from every read once deleted.
func TestContentRows(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		b := newUser(t, st, "b@example.com", models.RoleArtist)
		start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var made []*models.Content
		for i := range 5 {
			made = append(made, newContent(t, st, a.ID, start.Add(time.Duration(i/2)*time.Minute), 60)) // pairs share a time
		}
		newContent(t, st, b.ID, start, 60)

		var seen []uuid.UUID
		cursor := ""
		for {
			rows, next, err := st.Contents(ctx, a.ID, cursor, 2)
			require.NoError(t, err)
			for _, r := range rows {
				seen = append(seen, r.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		require.Len(t, seen, 5, "every item once, no other artist's")
		rows, _, err := st.Contents(ctx, a.ID, "", 10)
		require.NoError(t, err)
		require.Equal(t, seen, []uuid.UUID{rows[0].ID, rows[1].ID, rows[2].ID, rows[3].ID, rows[4].ID})
		for i := 1; i < len(rows); i++ {
			require.False(t, rows[i].CreatedAt.After(rows[i-1].CreatedAt), "newest first")
		}
		_, _, err = st.Contents(ctx, a.ID, "nope", 2)
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err))

		edit := *made[0]
		edit.Title, edit.ArtistID = "stolen", b.ID
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.UpdateContent(ctx, &edit)), "B cannot edit A's item")
		edit.ArtistID = a.ID
		edit.Title = "Renamed"
		require.NoError(t, st.UpdateContent(ctx, &edit))
		got, err := st.Content(ctx, made[0].ID)
		require.NoError(t, err)
		require.Equal(t, "Renamed", got.Title)

		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.DeleteContent(ctx, b.ID, made[0].ID, start)))
		require.NoError(t, st.DeleteContent(ctx, a.ID, made[0].ID, start))
		_, err = st.Content(ctx, made[0].ID)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.UpdateContent(ctx, &edit)), "deleted: no edits")
		rows, _, err = st.Contents(ctx, a.ID, "", 10)
		require.NoError(t, err)
		require.Len(t, rows, 4)

		exclusive := newContent(t, st, a.ID, start, 60)
		exclusive.MinTier = models.TierSuperfan
		require.NoError(t, st.UpdateContent(ctx, exclusive))
		ex, err := st.ExclusiveContents(ctx, a.ID, 10)
		require.NoError(t, err)
		require.Len(t, ex, 1)
		require.Equal(t, exclusive.ID, ex[0].ID)
	})
}

// Plays are capped: the first report by the duration, later ones by the
// time since the user's previous report of the same item too; the sum per
// artist is the engagement figure.
func TestPlaysAreCapped(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		fan := newUser(t, st, "f@example.com", models.RoleFan)
		other := newUser(t, st, "o@example.com", models.RoleFan)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		track := newContent(t, st, a.ID, t0, 200)
		second := newContent(t, st, a.ID, t0, 100)
		play := func(user uuid.UUID, c *models.Content, at time.Time, listened int) int {
			p := &models.Play{ID: models.NewID(), UserID: user, SecondsListened: listened, CreatedAt: at}
			require.NoError(t, st.RecordPlay(ctx, c, p))
			return p.SecondsListened
		}
		require.Equal(t, 200, play(fan.ID, track, t0, 5000), "first: the duration")
		require.Equal(t, 30, play(fan.ID, track, t0.Add(30*time.Second), 200), "then: the time since")
		require.Equal(t, 0, play(fan.ID, track, t0.Add(30*time.Second), 200), "the same instant again: nothing")
		require.Equal(t, 100, play(fan.ID, second, t0.Add(31*time.Second), 150), "another item: its own first report")
		require.Equal(t, 200, play(other.ID, track, t0.Add(31*time.Second), 200), "another user: their own")
		require.Equal(t, 200, play(fan.ID, track, t0.Add(time.Hour), 300), "a long gap: still the duration")

		n, err := st.StreamingSeconds(ctx, fan.ID, a.ID, t0)
		require.NoError(t, err)
		require.EqualValues(t, 200+30+0+100+200, n)
		n, err = st.StreamingSeconds(ctx, fan.ID, a.ID, t0.Add(time.Minute))
		require.NoError(t, err)
		require.EqualValues(t, 200, n, "since a time")
	})
}

// Migration 00012 turns each club's exclusive_content JSON into content
// rows and drops the column; its Down puts the list back. Run on a fresh
// database taken down to 00011, given a club with entries, then up again.
func TestMigrationMovesExclusiveContent(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		b := newUser(t, st, "b@example.com", models.RoleArtist)
		p, err := st.Migrator()
		require.NoError(t, err)
		_, err = p.DownTo(ctx, 11)
		require.NoError(t, err)
		at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		for _, club := range []struct {
			id   uuid.UUID
			json string
		}{
			{a.ID, `[{"title":"Demo","url":"https://cdn.example/demo.mp3","min_tier":"supporter"},{"title":"Session","min_tier":"superfan"}]`},
			{b.ID, `[]`},
		} {
			require.NoError(t, st.DB(ctx).Exec("INSERT INTO fan_clubs (artist_id, exclusive_content, updated_at) VALUES (?, ?, ?)", club.id, club.json, at).Error)
		}
		_, err = p.UpTo(ctx, 12)
		require.NoError(t, err)

		rows := testenv.Rows[models.Content](t, st, "title", "artist_id IN ?", []uuid.UUID{a.ID, b.ID})
		require.Len(t, rows, 2)
		for i, want := range []models.Content{
			{Title: "Demo", MediaURL: "https://cdn.example/demo.mp3", MinTier: models.TierSupporter},
			{Title: "Session", MinTier: models.TierSuperfan},
		} {
			got := rows[i]
			require.Equal(t, a.ID, got.ArtistID)
			require.Equal(t, models.ContentTrack, got.Kind)
			require.Equal(t, want.Title, got.Title)
			require.Equal(t, want.MediaURL, got.MediaURL)
			require.Equal(t, want.MinTier, got.MinTier)
			require.Nil(t, got.PublicAt)
			require.True(t, at.Equal(got.CreatedAt), "%v", got.CreatedAt)
			require.EqualValues(t, 7, got.ID.Version(), "uuid v7")
		}
		require.NotEqual(t, rows[0].ID, rows[1].ID)
		club, err := st.Club(ctx, a.ID)
		require.NoError(t, err, "the club reads without the column")
		require.Equal(t, a.ID, club.ArtistID)

		_, err = p.DownTo(ctx, 11)
		require.NoError(t, err)
		var back string
		require.NoError(t, st.DB(ctx).Raw("SELECT exclusive_content FROM fan_clubs WHERE artist_id = ?", a.ID).Scan(&back).Error)
		var entries []map[string]string
		require.NoError(t, json.Unmarshal([]byte(back), &entries))
		require.ElementsMatch(t, []map[string]string{
			{"title": "Demo", "url": "https://cdn.example/demo.mp3", "min_tier": "supporter"},
			{"title": "Session", "min_tier": "superfan"},
		}, entries, "the entries, in no particular order")
		_, err = p.Up(ctx)
		require.NoError(t, err)
	})
}
