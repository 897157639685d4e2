package engagement_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// world is an artist with a public track, a superfan-only track, a post,
// a public and a private party, and a fan who follows.
type world struct {
	st                  *store.Store
	artist, fan         uuid.UUID
	track, locked, post *models.Content
	party, private      *models.Party
	now                 time.Time
	in                  *engagement.Ingest
	buf                 *counters.MemoryBuffer
}

func newWorld(t *testing.T, c counters.Counters) *world {
	st := testenv.Postgres(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	w := &world{st: st, now: now, buf: counters.NewMemoryBuffer(counters.BufferCap)}
	user := func(role models.Role) uuid.UUID {
		u := &models.User{ID: models.NewID(), Email: models.NewID().String() + "@example.com", PasswordHash: "x", Role: role, DisplayName: "u", TimeZone: "UTC"}
		var a *models.Artist
		if role == models.RoleArtist {
			a = &models.Artist{Name: "Nova", Slug: "nova-" + u.ID.String()[:8]}
		}
		require.NoError(t, st.CreateUser(ctx, u, a))
		return u.ID
	}
	w.artist, w.fan = user(models.RoleArtist), user(models.RoleFan)
	content := func(kind models.ContentKind, tier models.Tier) *models.Content {
		c := &models.Content{ID: models.NewID(), ArtistID: w.artist, Kind: kind, Title: "T", DurationSeconds: 300, MinTier: tier, CreatedAt: now, UpdatedAt: now}
		if kind == models.ContentPost {
			c.DurationSeconds = 0
		}
		require.NoError(t, st.CreateContent(ctx, c))
		return c
	}
	w.track, w.locked, w.post = content(models.ContentTrack, models.TierFollower), content(models.ContentTrack, models.TierSuperfan), content(models.ContentPost, models.TierFollower)
	party := func(private bool) *models.Party {
		p := &models.Party{ID: models.NewID(), ArtistID: w.artist, Title: "P", ScheduledAt: now, MinTier: models.TierFollower, Capacity: 500,
			Status: models.PartyScheduled, CreatedAt: now, UpdatedAt: now, Private: private,
			Playlist: []models.PartyTrack{{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", DurationMs: 1000}}}
		if private {
			p.InviteCode = "code"
		}
		require.NoError(t, st.CreateParty(ctx, p))
		return p
	}
	w.party, w.private = party(false), party(true)
	w.in = &engagement.Ingest{Store: st, Counters: c, Buffer: w.buf, Now: func() time.Time { return w.now }}
	return w
}

func (w *world) ingest(t *testing.T, user uuid.UUID, events ...engagement.Event) engagement.Result {
	t.Helper()
	res, err := w.in.Ingest(t.Context(), user, models.RoleFan, events)
	require.NoError(t, err)
	return res
}

// buffered takes what the buffer holds, decoded.
func (w *world) buffered(t *testing.T) []models.EngagementEvent {
	t.Helper()
	es, err := w.buf.Peek(t.Context(), counters.BufferCap)
	require.NoError(t, err)
	var out []models.EngagementEvent
	for _, e := range es {
		ev, err := models.DecodeEngagementEvent(e.Data)
		require.NoError(t, err)
		out = append(out, ev)
	}
	if len(es) > 0 {
		require.NoError(t, w.buf.Ack(t.Context(), es[len(es)-1]))
	}
	return out
}

func progress(id string, content uuid.UUID, at time.Time, seconds int64) engagement.Event {
	return engagement.Event{ClientID: id, Action: models.ActionProgress, At: at, ContentID: content, Seconds: seconds}
}

func share(id string, content, party uuid.UUID, at time.Time) engagement.Event {
	return engagement.Event{ClientID: id, Action: models.ActionShare, At: at, ContentID: content, PartyID: party}
}

// One batch with an event for every outcome: each is counted under its
// reason, only the accepted ones are buffered, with a server id, the
// once key of their client id and the artist of the item they name; the
// same batch again is all duplicates (or refused as before).
func TestIngestCountsEveryOutcome(t *testing.T) {
	for name, c := range map[string]func() counters.Counters{
		"memory": func() counters.Counters { return counters.NewMemory(nil) },
		"redis": func() counters.Counters {
			_, prefix := testenv.Redis(t)
			return counters.NewRedis(testenv.RedisClient(t), prefix)
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, c())
			now := w.now
			batch := []engagement.Event{
				progress("ok-1", w.track.ID, now.Add(-time.Minute), 60),
				share("ok-2", w.track.ID, uuid.Nil, now),
				share("ok-3", uuid.Nil, w.party.ID, now),
				progress("old", w.track.ID, now.Add(-engagement.MaxAge-time.Second), 60),
				progress("future", w.track.ID, now.Add(engagement.MaxAhead+time.Second), 60),
				progress("gone", models.NewID(), now, 60),
				share("private", uuid.Nil, w.private.ID, now),
				progress("locked", w.locked.ID, now, 60),
				progress("post", w.post.ID, now, 60),
				progress("long", w.track.ID, now, 301),
				progress("overlap", w.track.ID, now.Add(-time.Minute), 30), // inside ok-1's minute: nothing left
				share("ok-2", w.track.ID, uuid.Nil, now),                   // again in the batch
			}
			res := w.ingest(t, w.fan, batch...)
			require.Equal(t, engagement.Result{Accepted: 3, Duplicates: 1, Refused: engagement.Refused{
				TooOld: 1, Future: 1, NotFound: 2, Locked: 1, Implausible: 3}}, res)

			got := w.buffered(t)
			require.Len(t, got, 3)
			for i, want := range []struct {
				action models.Action
				amount int64
				once   string
			}{{models.ActionProgress, 60, "client:ok-1"}, {models.ActionShare, 1, "client:ok-2"}, {models.ActionShare, 1, "client:ok-3"}} {
				require.Equal(t, want.action, got[i].Action)
				require.Equal(t, want.amount, got[i].Amount)
				require.Equal(t, want.once, *got[i].OnceKey)
				require.Equal(t, w.fan, got[i].UserID)
				require.Equal(t, w.artist, got[i].ArtistID, "the item's artist")
				require.NotEqual(t, uuid.Nil, got[i].ID)
			}
			require.True(t, got[0].At.Equal(now.Add(-time.Minute)))

			again := w.ingest(t, w.fan, batch...)
			require.Equal(t, 0, again.Accepted)
			require.Equal(t, 5, again.Duplicates, "the three accepted, ok-2 twice and the overlap, whose id was seen")
			require.Empty(t, w.buffered(t))

			own := w.in
			res, err := own.Ingest(t.Context(), w.artist, models.RoleArtist, []engagement.Event{share("mine", w.track.ID, uuid.Nil, now)})
			require.NoError(t, err)
			require.Equal(t, engagement.Refused{Own: 1}, res.Refused)
		})
	}
}

// What no client should send is refused whole, naming the field, and
// changes nothing: the same ids are new in a good batch after.
func TestIngestRefusesMalformedBatches(t *testing.T) {
	w := newWorld(t, counters.NewMemory(nil))
	now := w.now
	good := progress("a", w.track.ID, now, 10)
	tooMany := make([]engagement.Event, engagement.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = share(fmt.Sprint("s", i), w.track.ID, uuid.Nil, now)
	}
	for name, tc := range map[string]struct {
		events []engagement.Event
		field  string
	}{
		"over the batch size":  {tooMany, "events"},
		"unknown action":       {[]engagement.Event{good, {ClientID: "b", Action: "play", At: now, ContentID: w.track.ID}}, "events[1].action"},
		"client id with space": {[]engagement.Event{good, share("a b", w.track.ID, uuid.Nil, now)}, "events[1].client_id"},
		"client id too long":   {[]engagement.Event{share(string(make([]byte, 65)), w.track.ID, uuid.Nil, now)}, "events[0].client_id"},
		"progress of a party":  {[]engagement.Event{progress("c", uuid.Nil, now, 10)}, "events[0].content_id"},
		"progress of nothing":  {[]engagement.Event{progress("c", w.track.ID, now, 0)}, "events[0].seconds"},
		"share of both":        {[]engagement.Event{share("c", w.track.ID, w.party.ID, now)}, "events[0].content_id"},
		"share with seconds":   {[]engagement.Event{{ClientID: "c", Action: models.ActionShare, At: now, ContentID: w.track.ID, Seconds: 5}}, "events[0].seconds"},
		"no time":              {[]engagement.Event{{ClientID: "c", Action: models.ActionShare, ContentID: w.track.ID}}, "events[0].at"},
	} {
		_, err := w.in.Ingest(t.Context(), w.fan, models.RoleFan, tc.events)
		var e *models.Error
		require.ErrorAs(t, err, &e, name)
		require.Equal(t, models.CodeInvalid, e.Code, name)
		require.Equal(t, tc.field, e.Field, name)
	}
	require.Empty(t, w.buffered(t))
	require.Equal(t, 1, w.ingest(t, w.fan, good).Accepted, "the refused batches marked nothing seen")
}

// Two sessions' overlapping progress, in one batch or in many, in any
// order, is credited as the wall clock allows: the same as crediting each
// claim alone in time order, never more than the time that passed.
func TestIngestCreditsTheWallClockOnce(t *testing.T) {
	w := newWorld(t, counters.NewMemory(nil))
	start := w.now.Add(-time.Hour)
	var batch []engagement.Event
	for s := range 2 { // two sessions, each reporting 30 s every 30 s, 10 s apart
		for i := 1; i <= 20; i++ {
			batch = append(batch, progress(fmt.Sprint(s, "-", i), w.track.ID, start.Add(time.Duration(i*30+s*10)*time.Second), 30))
		}
	}
	rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	res := w.ingest(t, w.fan, batch...)
	var total int64
	for _, e := range w.buffered(t) {
		total += e.Amount
	}
	require.Equal(t, int64(20*30+10), total, "from the first claim's start to the last claim's end")
	require.Equal(t, res.Accepted+res.Refused.Implausible, 40)

	// Random claims, in random batches: the runs credited at once give
	// what crediting each claim alone in time order gives.
	for round := range 50 {
		w.in.Counters = counters.NewMemory(nil)
		alone := counters.NewMemory(nil)
		user := models.NewID()
		var claims []engagement.Event
		for i := range 1 + rand.IntN(40) {
			claims = append(claims, progress(fmt.Sprint(round, "-", i), w.track.ID,
				start.Add(time.Duration(rand.IntN(1200))*time.Second), 1+rand.Int64N(300)))
		}
		sorted := slices.Clone(claims)
		slices.SortStableFunc(sorted, func(x, y engagement.Event) int { return x.At.Compare(y.At) })
		var want int64
		for _, c := range sorted {
			n, err := alone.Credit(context.Background(), user.String(), c.At, c.Seconds)
			require.NoError(t, err)
			want += n
		}
		_, err := w.in.Ingest(t.Context(), user, models.RoleFan, claims)
		require.NoError(t, err)
		var got int64
		for _, e := range w.buffered(t) {
			got += e.Amount
		}
		require.Equal(t, want, got, "round %d", round)
	}
}
