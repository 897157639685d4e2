package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func newParty(t *testing.T, st *store.Store, artistID uuid.UUID, at time.Time, private bool) *models.Party {
	t.Helper()
	p := &models.Party{ID: models.NewID(), ArtistID: artistID, Title: "P", ScheduledAt: at, MinTier: models.TierFollower,
		Capacity: 500, Status: models.PartyScheduled, CreatedAt: at, UpdatedAt: at,
		Playlist: []models.PartyTrack{{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", DurationMs: 1000}}}
	if private {
		p.Private, p.InviteCode = true, "code-"+p.ID.String()
	}
	require.NoError(t, st.CreateParty(t.Context(), p))
	return p
}

// Party rows: soonest first in cursor pages, private ones listed to their
// hosts only, cancelled once, co-hosts capped, RSVPs counted once each.
func TestPartyRows(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		f := newUser(t, st, "f@example.com", models.RoleFan)
		g := newUser(t, st, "g@example.com", models.RoleFan)
		start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var public []uuid.UUID
		for i := range 4 {
			public = append(public, newParty(t, st, a.ID, start.Add(time.Duration(i/2)*time.Hour), false).ID) // pairs share a time
		}
		private := newParty(t, st, a.ID, start, true)
		open := []models.PartyStatus{models.PartyScheduled, models.PartyLive}

		list := func(f models.PartyFilter) []uuid.UUID {
			var seen []uuid.UUID
			cursor := ""
			for {
				rows, next, err := st.Parties(ctx, f, cursor, 2)
				require.NoError(t, err)
				for i, r := range rows {
					seen = append(seen, r.ID)
					if i > 0 {
						require.False(t, r.ScheduledAt.Before(rows[i-1].ScheduledAt), "soonest first")
					}
				}
				if next == "" {
					return seen
				}
				cursor = next
			}
		}
		require.ElementsMatch(t, public, list(models.PartyFilter{Statuses: open, Viewer: f.ID}), "a fan sees the public ones, once each")
		require.Len(t, list(models.PartyFilter{Statuses: open, Viewer: a.ID}), 5, "the host sees their private one too")
		yes := false
		require.Equal(t, []uuid.UUID{private.ID}, list(models.PartyFilter{Statuses: open, Viewer: a.ID, Public: &yes}))

		require.NoError(t, st.AddCoHost(ctx, private.ID, f.ID, 1, start))
		require.NoError(t, st.AddCoHost(ctx, private.ID, f.ID, 1, start), "again: a no-op")
		require.Equal(t, models.CodeConflict, models.ErrorCode(st.AddCoHost(ctx, private.ID, g.ID, 1, start)), "over the cap")
		require.Len(t, list(models.PartyFilter{Statuses: open, Viewer: f.ID}), 5, "a co-host sees it")
		got, err := st.Party(ctx, private.ID)
		require.NoError(t, err)
		require.Equal(t, []uuid.UUID{f.ID}, got.CoHosts)
		require.Equal(t, private.Playlist, got.Playlist)
		require.NoError(t, st.RemoveCoHost(ctx, private.ID, f.ID))
		require.Equal(t, models.CodeNotFound, models.ErrorCode(st.RemoveCoHost(ctx, private.ID, f.ID)))

		require.NoError(t, st.RSVP(ctx, public[0], f.ID, start))
		require.NoError(t, st.RSVP(ctx, public[0], f.ID, start))
		require.NoError(t, st.RSVP(ctx, public[0], g.ID, start))
		counts, err := st.RSVPCounts(ctx, public, f.ID)
		require.NoError(t, err)
		require.Equal(t, map[uuid.UUID]models.RSVPCount{public[0]: {Count: 2, Mine: true}}, counts)
		require.NoError(t, st.CancelRSVP(ctx, public[0], f.ID))
		counts, err = st.RSVPCounts(ctx, public[:1], f.ID)
		require.NoError(t, err)
		require.Equal(t, models.RSVPCount{Count: 1}, counts[public[0]])

		require.NoError(t, st.CancelParty(ctx, public[0], start))
		require.Equal(t, models.CodeConflict, models.ErrorCode(st.CancelParty(ctx, public[0], start)), "twice")
		got, err = st.Party(ctx, public[0])
		require.NoError(t, err)
		got.Title = "changed"
		require.Equal(t, models.CodeConflict, models.ErrorCode(st.UpdateParty(ctx, got)), "a cancelled party is not edited")
		require.Equal(t, models.CodeConflict, models.ErrorCode(st.AddCoHost(ctx, public[0], g.ID, 5, start)))
		require.NotContains(t, list(models.PartyFilter{Statuses: open, Viewer: a.ID}), public[0])
		_, _, err = st.Parties(ctx, models.PartyFilter{Statuses: open}, "nope", 2)
		require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
	})
}

// The workflow's records go to the row in order: an older one (a retried
// activity) is left out, and a cancelled party's row stays cancelled.
func TestSetPartyPlayback(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		p := newParty(t, st, a.ID, at, false)
		rec := func(status models.PartyStatus, version int64, track int, when time.Time) {
			require.NoError(t, st.SetPartyPlayback(ctx, models.PartyRecord{PartyID: p.ID, Status: status, At: when,
				Playback: models.PartyPlayback{TrackIndex: track, PositionMs: 500, Playing: status == models.PartyLive, Version: version}}))
		}
		rec(models.PartyLive, 1, 0, at)
		rec(models.PartyLive, 2, 1, at.Add(time.Minute))
		rec(models.PartyLive, 1, 0, at.Add(2*time.Minute)) // a retry of the first
		got, err := st.Party(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, models.PartyLive, got.Status)
		require.Equal(t, 1, got.TrackIndex)
		require.Equal(t, int64(2), got.PlaybackVersion)
		require.True(t, got.Playing)
		require.Equal(t, at, got.StartedAt.UTC(), "started when it went live")

		rec(models.PartyEnded, 3, 1, at.Add(time.Hour))
		got, err = st.Party(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, models.PartyEnded, got.Status)
		require.Equal(t, at.Add(time.Hour), got.EndedAt.UTC())
		require.False(t, got.Playing)

		c := newParty(t, st, a.ID, at, false)
		require.NoError(t, st.CancelParty(ctx, c.ID, at))
		require.NoError(t, st.SetPartyPlayback(ctx, models.PartyRecord{PartyID: c.ID, Status: models.PartyLive, At: at,
			Playback: models.PartyPlayback{Version: 1, Playing: true}}))
		got, err = st.Party(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, models.PartyCancelled, got.Status)
		require.False(t, got.Playing)
	})
}

// A party deleted (its workflow did not start) goes with its co-hosts and
// RSVPs.
func TestDeleteParty(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newUser(t, st, "a@example.com", models.RoleArtist)
		f := newUser(t, st, "f@example.com", models.RoleFan)
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		p, kept := newParty(t, st, a.ID, at, false), newParty(t, st, a.ID, at, false)
		for _, id := range []uuid.UUID{p.ID, kept.ID} {
			require.NoError(t, st.AddCoHost(ctx, id, f.ID, 10, at))
			require.NoError(t, st.RSVP(ctx, id, f.ID, at))
		}
		require.NoError(t, st.DeleteParty(ctx, p.ID))
		_, err := st.Party(ctx, p.ID)
		require.ErrorIs(t, err, models.ErrNotFound)
		counts, err := st.RSVPCounts(ctx, []uuid.UUID{p.ID, kept.ID}, f.ID)
		require.NoError(t, err)
		require.Equal(t, map[uuid.UUID]models.RSVPCount{kept.ID: {Count: 1, Mine: true}}, counts)
		got, err := st.Party(ctx, kept.ID)
		require.NoError(t, err)
		require.Equal(t, []uuid.UUID{f.ID}, got.CoHosts)
	})
}

// A party's guests: its RSVPs, the artist's live members of the tiers
// given and, with the follower tier, its followers; each once, in user id
// order over pages; without tiers, the RSVPs alone.
func TestPartyGuestPage(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "artist@example.com", models.RoleArtist)
		now := time.Now().UTC()
		p := newParty(t, st, artist.ID, now.Add(time.Hour), false)
		other := newParty(t, st, artist.ID, now.Add(time.Hour), false)
		user := func(name string) uuid.UUID { return newUser(t, st, name+"@example.com", models.RoleFan).ID }
		member := func(u uuid.UUID, tier models.Tier) {
			require.NoError(t, st.RecordMembership(ctx, models.Subscription{ArtistID: artist.ID, FanID: u, WorkflowID: "w", Tier: tier,
				Status: models.StatusActive, MemberSince: now, Period: 1, PeriodStart: now, PeriodEnd: now.AddDate(0, 1, 0), PriceCents: 500,
				Currency: "usd", CreatedAt: now, UpdatedAt: now}, 0, nil))
		}
		follow := func(u uuid.UUID) {
			_, _, err := st.Follow(ctx, u, artist.ID)
			require.NoError(t, err)
		}
		rsvp, follower, supporter, superfan, all, otherRSVP := user("rsvp"), user("follower"), user("supporter"), user("superfan"), user("all"), user("other")
		require.NoError(t, st.RSVP(ctx, p.ID, rsvp, now))
		require.NoError(t, st.RSVP(ctx, other.ID, otherRSVP, now))
		follow(follower)
		member(supporter, models.TierSupporter)
		member(superfan, models.TierSuperfan)
		follow(all) // follows, is a member and RSVP'd: once
		member(all, models.TierSuperfan)
		require.NoError(t, st.RSVP(ctx, p.ID, all, now))

		walk := func(tiers ...models.Tier) []uuid.UUID {
			return walkPages(t, 2, func(after string) ([]store.Recipient, error) {
				return st.PartyGuestPage(ctx, artist.ID, p.ID, tiers, after, 2)
			})
		}
		sorted := func(ids ...uuid.UUID) []uuid.UUID {
			return slices.SortedFunc(slices.Values(ids), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		}
		require.Equal(t, sorted(rsvp, follower, supporter, superfan, all), walk(models.TierFollower.AndAbove()...))
		require.Equal(t, sorted(rsvp, supporter, superfan, all), walk(models.TierSupporter.AndAbove()...), "followers are not let in")
		require.Equal(t, sorted(rsvp, superfan, all), walk(models.TierSuperfan))
		require.Equal(t, sorted(rsvp, all), walk(), "a private party's: its RSVPs")
	})
}

// The workflow's stats write leaves the chat and reaction counts, which
// AddPartyCounts adds to atomically (concurrent adds lose nothing); a
// party that is not there is not found.
func TestPartyStats(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "artist@example.com", models.RoleArtist)
		end := time.Now().UTC().Truncate(time.Second)
		p := newParty(t, st, artist.ID, end.Add(-time.Hour), false)
		var g errgroup.Group
		for range 10 {
			g.Go(func() error { return st.AddPartyCounts(ctx, p.ID, 2, 3) })
		}
		require.NoError(t, g.Wait())
		require.NoError(t, st.SetPartyStats(ctx, models.PartyStats{PartyID: p.ID, PeakListeners: 7, TotalListeners: 9, ListeningMs: 123_456, EndedAt: end}))
		require.NoError(t, st.AddPartyCounts(ctx, p.ID, 1, 0))
		got, err := st.Party(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, [5]int64{7, 9, 123_456, 21, 30}, [5]int64{int64(got.PeakListeners), int64(got.TotalListeners), got.ListeningMs, got.ChatMessages, got.Reactions})
		require.NotNil(t, got.EndedAt)
		require.True(t, end.Equal(*got.EndedAt))
		require.ErrorIs(t, st.AddPartyCounts(ctx, models.NewID(), 1, 1), models.ErrNotFound)
	})
}

// walkPages reads a recipient page query page by page (limit a page) and
// returns the user ids in the order read.
func walkPages(t *testing.T, limit int, next func(after string) ([]store.Recipient, error)) []uuid.UUID {
	t.Helper()
	var got []uuid.UUID
	for after := ""; ; {
		page, err := next(after)
		require.NoError(t, err)
		for _, r := range page {
			got = append(got, r.UserID)
		}
		if len(page) < limit {
			return got
		}
		after = page[len(page)-1].UserID.String()
	}
}
