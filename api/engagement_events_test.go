package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type eventsAnswer struct {
	Accepted   int            `json:"accepted"`
	Duplicates int            `json:"duplicates"`
	Refused    map[string]int `json:"refused"`
}

// refused is the answer's refused counts with every reason at zero but
// those given.
func refused(counts map[string]int) map[string]int {
	out := map[string]int{"too_old": 0, "future": 0, "not_found": 0, "locked": 0, "own": 0, "implausible": 0}
	for k, n := range counts {
		out[k] = n
	}
	return out
}

func (c *dmClub) postEvents(t *testing.T, token string, events ...map[string]any) eventsAnswer {
	t.Helper()
	r := c.app.Do(t, http.MethodPost, "/api/engagement/events", token, map[string]any{"events": events})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var a eventsAnswer
	r.Decode(t, &a)
	return a
}

func (c *dmClub) track(t *testing.T, tier models.Tier) string {
	t.Helper()
	r := c.app.Do(t, http.MethodPost, "/api/artists/"+c.artist.User.ID+"/content", c.artist.AccessToken,
		map[string]any{"kind": "track", "title": "T", "duration_seconds": 300, "min_tier": tier})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var item struct{ ID string }
	r.Decode(t, &item)
	return item.ID
}

// flushEngagement runs the flush's activity on the platform's buffer.
func (c *dmClub) flushEngagement(t *testing.T) activities.Flushed {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Engagement{Store: c.app.Platform.Store, Buffer: c.app.Platform.EngagementBuffer})
	v, err := env.ExecuteActivity((&activities.Engagement{}).FlushEngagement, activities.FlushEngagement{Batch: 5000, Budget: time.Minute})
	require.NoError(t, err)
	var out activities.Flushed
	require.NoError(t, v.Get(&out))
	return out
}

// Client events through the api: one batch with every outcome answers
// each under its reason; the batch sent again counts once; locked
// content is refused to the fan it is locked for and taken from the
// superfan; two sessions' overlapping progress is credited as the wall
// clock passed; and after a flush the events are rows, in the totals.
// On PostgreSQL and Redis, and in one process on SQLite without Redis,
// where the api and the worker share the memory buffer.
func TestEngagementEventsThroughTheAPI(t *testing.T) {
	for name, opts := range map[string][]testenv.Option{
		"postgres and redis":      nil,
		"sqlite, memory counters": {testenv.WithSQLite(), testenv.WithoutRedis()},
	} {
		t.Run(name, func(t *testing.T) {
			c := newClub(t, opts...)
			fan, superfan := c.member(t, "Ada", ""), c.member(t, "Kai", models.TierSuperfan)
			open, locked := c.track(t, models.TierFollower), c.track(t, models.TierSuperfan)
			now := time.Now().UTC()
			at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
			progress := func(id, content string, when time.Duration, seconds int) map[string]any {
				return map[string]any{"client_id": id, "action": "progress", "at": at(when), "content_id": content, "seconds": seconds}
			}
			batch := []map[string]any{
				progress("p-1", open, -2*time.Minute, 60),
				{"client_id": "s-1", "action": "share", "at": at(0), "content_id": open},
				progress("old", open, -25*time.Hour, 60),
				progress("future", open, 2*time.Minute, 60),
				progress("gone", models.NewID().String(), 0, 60),
				progress("locked", locked, -time.Minute, 60),
				progress("long", open, -time.Minute, 301),
				{"client_id": "s-1", "action": "share", "at": at(0), "content_id": open},
			}
			require.Equal(t, eventsAnswer{Accepted: 2, Duplicates: 1, Refused: refused(map[string]int{
				"too_old": 1, "future": 1, "not_found": 1, "locked": 1, "implausible": 1})}, c.postEvents(t, fan.AccessToken, batch...))
			retried := c.postEvents(t, fan.AccessToken, batch...)
			require.Equal(t, 0, retried.Accepted)
			require.Equal(t, 3, retried.Duplicates, "a retried batch counts once")

			require.Equal(t, 1, c.postEvents(t, superfan.AccessToken, progress("locked", locked, -3*time.Minute, 60)).Accepted,
				"the superfan may open it, and client ids are per user")

			// Two sessions: A reports the minute to -60 s, B the minute to -30 s.
			require.Equal(t, 1, c.postEvents(t, superfan.AccessToken, progress("a-1", open, -60*time.Second, 60)).Accepted)
			b := c.postEvents(t, superfan.AccessToken, progress("b-1", open, -30*time.Second, 60), progress("b-2", open, -70*time.Second, 10))
			require.Equal(t, 1, b.Accepted, "only B's last 30 s were not yet credited")
			require.Equal(t, 1, b.Refused["implausible"], "b-2 lies within A's minute")

			own := c.postEvents(t, c.artist.AccessToken, map[string]any{"client_id": "mine", "action": "share", "at": at(0), "content_id": open})
			require.Equal(t, refused(map[string]int{"own": 1}), own.Refused)

			flushed := c.flushEngagement(t)
			require.Equal(t, 5, flushed.Added, "the fan's two, the superfan's three")
			require.Zero(t, flushed.Left)
			require.Zero(t, c.flushEngagement(t).Added, "nothing left to flush")
			artist := mustUUID(t, c.artist.User.ID)
			totals, err := c.app.Platform.Store.EngagementTotals(t.Context(), mustUUID(t, fan.User.ID), artist)
			require.NoError(t, err)
			require.Equal(t, map[models.Action]int64{models.ActionProgress: 60, models.ActionShare: 1}, totals)
			totals, err = c.app.Platform.Store.EngagementTotals(t.Context(), mustUUID(t, superfan.User.ID), artist)
			require.NoError(t, err)
			require.Equal(t, map[models.Action]int64{models.ActionProgress: 60 + 60 + 30}, totals,
				"the locked track's minute, A's minute and B's last 30 s")
		})
	}
}

// A batch no client should send is a 4xx with a code, and nothing of it
// is kept: its ids are new in a good batch after.
func TestEngagementEventsRefusesBadBatches(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Ada", "")
	open := c.track(t, models.TierFollower)
	now := time.Now().UTC().Format(time.RFC3339)
	good := map[string]any{"client_id": "e-0", "action": "share", "at": now, "content_id": open}
	many := make([]map[string]any, 501)
	for i := range many {
		many[i] = map[string]any{"client_id": fmt.Sprint("e-", i), "action": "share", "at": now, "content_id": open}
	}
	post := func(body any) testenv.Response {
		return c.app.Do(t, http.MethodPost, "/api/engagement/events", fan.AccessToken, body)
	}
	for name, tc := range map[string]struct {
		body  any
		field string
	}{
		"over 500 events":          {map[string]any{"events": many}, "events"},
		"an unknown action":        {map[string]any{"events": []any{good, map[string]any{"client_id": "x", "action": "play", "at": now, "content_id": open}}}, "action"},
		"another user's events":    {map[string]any{"events": []any{map[string]any{"client_id": "x", "action": "share", "at": now, "content_id": open, "user_id": c.artist.User.ID}}}, "user_id"},
		"a client id with a brace": {map[string]any{"events": []any{good, map[string]any{"client_id": "{x}", "action": "share", "at": now, "content_id": open}}}, "events[1].client_id"},
		"negative seconds":         {map[string]any{"events": []any{map[string]any{"client_id": "x", "action": "progress", "at": now, "content_id": open, "seconds": -5}}}, "seconds"},
		"no events":                {map[string]any{}, "events"},
	} {
		r := post(tc.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
		var e struct{ Error struct{ Code, Field string } }
		r.Decode(t, &e)
		require.Equal(t, "invalid", e.Error.Code, name)
		require.Equal(t, tc.field, e.Error.Field, name)
	}
	requireMalformed(t, c.app.Do(t, http.MethodPost, "/api/engagement/events", fan.AccessToken, []byte(`{"events":[{"client_id":`)))

	padding := strings.Repeat(" ", 300<<10)
	r := c.app.Do(t, http.MethodPost, "/api/engagement/events", fan.AccessToken, []byte(`{"events":[]}`+padding))
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
	require.Equal(t, "too_large", r.ErrorCode(t))

	left, err := c.app.Platform.EngagementBuffer.Len(t.Context())
	require.NoError(t, err)
	require.Zero(t, left, "nothing of the refused batches was queued")
	require.Equal(t, 1, c.postEvents(t, fan.AccessToken, good).Accepted, "nor marked seen")
}
