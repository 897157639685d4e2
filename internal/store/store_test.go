package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newUser(t *testing.T, st *store.Store, email string, role models.Role) *models.User {
	t.Helper()
	u := &models.User{ID: models.NewID(), Email: email, PasswordHash: "x", Role: role, DisplayName: email, TimeZone: "UTC"}
	var a *models.Artist
	if role == models.RoleArtist {
		a = &models.Artist{Name: "Band", Slug: "band"}
	}
	require.NoError(t, st.CreateUser(t.Context(), u, a))
	return u
}

func TestUsers(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		u := newUser(t, st, "Mixed@Example.com", models.RoleFan)

		got, err := st.UserByEmail(ctx, "MIXED@example.COM")
		require.NoError(t, err)
		require.Equal(t, u.ID, got.ID)
		require.Equal(t, "mixed@example.com", got.Email)
		require.WithinDuration(t, time.Now(), got.CreatedAt, time.Minute)

		dup := &models.User{ID: models.NewID(), Email: "mixed@EXAMPLE.com", PasswordHash: "x", Role: models.RoleFan, DisplayName: "d", TimeZone: "UTC"}
		err = st.CreateUser(ctx, dup, nil)
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))

		_, err = st.UserByID(ctx, models.NewID())
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))

		upd, err := st.UpdateUser(ctx, u.ID, map[string]any{"display_name": "New", "birth_year": 2001})
		require.NoError(t, err)
		require.Equal(t, "New", upd.DisplayName)
		require.Equal(t, 2001, *upd.BirthYear)
	})
}

func TestArtistSlugsStayUnique(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		b := newUser(t, st, "b@example.com", models.RoleArtist)
		first, err := st.ArtistByID(t.Context(), a.ID)
		require.NoError(t, err)
		second, err := st.ArtistByID(t.Context(), b.ID)
		require.NoError(t, err)
		require.Equal(t, "band", first.Slug)
		require.NotEqual(t, first.Slug, second.Slug)

		_, err = st.UpdateArtist(t.Context(), b.ID, map[string]any{"slug": "band"})
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
	})
}

func TestFollows(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "artist@example.com", models.RoleArtist)
		fans := make([]*models.User, 5)
		for i := range fans {
			fans[i] = newUser(t, st, string(rune('a'+i))+"@fans.example", models.RoleFan)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(fans))
		for _, f := range fans { // concurrent follows, each twice
			for range 2 {
				wg.Go(func() {
					_, _, err := st.Follow(ctx, f.ID, artist.ID)
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		a, err := st.ArtistByID(ctx, artist.ID)
		require.NoError(t, err)
		require.EqualValues(t, 5, a.FollowerCount)

		n, _, err := st.Unfollow(ctx, fans[0].ID, artist.ID)
		require.NoError(t, err)
		require.EqualValues(t, 4, n)
		n, _, err = st.Unfollow(ctx, fans[0].ID, artist.ID)
		require.NoError(t, err)
		require.EqualValues(t, 4, n, "unfollowing twice counts once")

		ok, err := st.IsFollowing(ctx, fans[1].ID, artist.ID)
		require.NoError(t, err)
		require.True(t, ok)

		_, _, err = st.Follow(ctx, fans[0].ID, fans[1].ID) // a fan is no artist
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))
		_, _, err = st.Follow(ctx, artist.ID, artist.ID)
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
	})
}

func TestRefreshTokenRotation(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		u := newUser(t, st, "r@example.com", models.RoleFan)
		now := time.Now().UTC()
		family := models.NewID()
		tok := func(hash string) *models.RefreshToken {
			return &models.RefreshToken{ID: models.NewID(), UserID: u.ID, FamilyID: family, TokenHash: hash, ExpiresAt: now.Add(time.Hour)}
		}
		require.NoError(t, st.CreateRefreshToken(ctx, tok("h1")))

		_, err := st.UseRefreshToken(ctx, "h1", now, tok("h2"))
		require.NoError(t, err)
		_, err = st.UseRefreshToken(ctx, "h1", now, tok("h3"))
		require.ErrorIs(t, err, store.ErrTokenReused)
		_, err = st.UseRefreshToken(ctx, "h2", now, tok("h4"))
		require.ErrorIs(t, err, store.ErrTokenReused, "the whole family is revoked")
		_, err = st.UseRefreshToken(ctx, "nope", now, tok("h5"))
		require.ErrorIs(t, err, store.ErrTokenUnknown)

		family = models.NewID()
		require.NoError(t, st.CreateRefreshToken(ctx, tok("e1")))
		_, err = st.UseRefreshToken(ctx, "e1", now.Add(2*time.Hour), tok("e2"))
		require.ErrorIs(t, err, store.ErrTokenExpired)
	})
}

// Two devices refreshing with one token at once: exactly one wins.
func TestConcurrentRefreshHasOneWinner(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := newUser(t, st, "c@example.com", models.RoleFan)
		now := time.Now().UTC()
		family := models.NewID()
		require.NoError(t, st.CreateRefreshToken(ctx, &models.RefreshToken{ID: models.NewID(), UserID: u.ID, FamilyID: family, TokenHash: "c1", ExpiresAt: now.Add(time.Hour)}))
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				next := &models.RefreshToken{ID: models.NewID(), TokenHash: "next" + string(rune('a'+i)), ExpiresAt: now.Add(time.Hour)}
				_, err := st.UseRefreshToken(ctx, "c1", now, next)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		wins := 0
		for err := range errs {
			if err == nil {
				wins++
			} else {
				require.ErrorIs(t, err, store.ErrTokenReused)
			}
		}
		require.Equal(t, 1, wins)
	})
}

func TestMigrationsRollBackAndReapply(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		m, err := st.Migrator()
		require.NoError(t, err)
		_, err = m.DownTo(ctx, 0)
		require.NoError(t, err)
		require.False(t, st.DB(ctx).Migrator().HasTable("users"))
		_, err = m.Up(ctx)
		require.NoError(t, err)
		require.True(t, st.DB(ctx).Migrator().HasTable("users"))
		status, err := m.Status(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, status)
	})
}

// The two dialects' migrations build the same tables and columns.
func TestDialectsHaveTheSameSchema(t *testing.T) {
	pg, lite := testenv.Postgres(t), testenv.SQLite(t)
	tables := func(st *store.Store) map[string][]string {
		out := map[string][]string{}
		names, err := st.DB(t.Context()).Migrator().GetTables()
		require.NoError(t, err)
		for _, n := range names {
			if n == "goose_db_version" || n == "sqlite_sequence" { // bookkeeping, not schema
				continue
			}
			cols, err := st.DB(t.Context()).Migrator().ColumnTypes(n)
			require.NoError(t, err)
			for _, c := range cols {
				out[n] = append(out[n], c.Name())
			}
		}
		return out
	}
	require.Equal(t, tables(pg), tables(lite))
}

// A pending membership (its first charge still processing) is stored on
// both dialects and gives nothing: no tier, no member count.
func TestPendingMembershipGivesNothing(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist, fan := newUser(t, st, "a@example.com", models.RoleArtist), newUser(t, st, "f@example.com", models.RoleFan)
		now := time.Now().UTC()
		sub := models.Subscription{ArtistID: artist.ID, FanID: fan.ID, WorkflowID: "w", Tier: models.TierSuperfan, Status: models.StatusPending,
			MemberSince: now, Period: 1, PeriodStart: now, PeriodEnd: now.AddDate(0, 1, 0), PriceCents: 1000, Currency: "usd", UpdatedAt: now, CreatedAt: now}
		require.NoError(t, st.RecordMembership(ctx, sub, 0, nil))
		tier, err := st.TierOf(ctx, artist.ID, fan.ID)
		require.NoError(t, err)
		require.Equal(t, models.TierFollower, tier)
		counts, err := st.MemberCounts(ctx, artist.ID)
		require.NoError(t, err)
		require.Empty(t, counts)

		sub.Status = models.StatusActive
		require.NoError(t, st.RecordMembership(ctx, sub, 5, nil))
		tier, err = st.TierOf(ctx, artist.ID, fan.ID)
		require.NoError(t, err)
		require.Equal(t, models.TierSuperfan, tier)
	})
}
