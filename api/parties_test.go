package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

type partyItem struct {
	ID         string              `json:"id"`
	ArtistID   string              `json:"artist_id"`
	CoHosts    []string            `json:"co_hosts"`
	Title      string              `json:"title"`
	Playlist   []models.PartyTrack `json:"playlist"`
	Public     bool                `json:"public"`
	InviteCode string              `json:"invite_code"`
	MinTier    string              `json:"min_tier"`
	Capacity   int                 `json:"capacity"`
	Status     string              `json:"status"`
	RSVPCount  int                 `json:"rsvp_count"`
	RSVPed     bool                `json:"rsvped"`
}

type partyList struct {
	Items      []partyItem `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

func video(id string, ms int64) map[string]any {
	return map[string]any{"kind": "youtube", "video_id": id, "duration_ms": ms}
}

// party is a valid create body with its fields replaced by over.
func partyBody(over map[string]any) map[string]any {
	body := map[string]any{"title": "Listening night", "playlist": []any{video("dQw4w9WgXcQ", 200000)}}
	for k, v := range over {
		body[k] = v
	}
	return body
}

func createParty(t *testing.T, app *testenv.App, token string, over map[string]any) partyItem {
	t.Helper()
	r := app.Do(t, http.MethodPost, "/api/parties", token, partyBody(over))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var p partyItem
	r.Decode(t, &p)
	return p
}

func requireField(t *testing.T, r testenv.Response, field string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	var e struct{ Error struct{ Code, Field string } }
	r.Decode(t, &e)
	require.Equal(t, "invalid", e.Error.Code)
	require.Equal(t, field, e.Error.Field, string(r.Body))
}

// Creating a party: artists only, every bad field refused by its path with
// nothing written, content tracks taking their own durations, and a public
// party (never a private one) announced in the artist's crowd room.
func TestPartyCreateValidatesAndAnnounces(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	other := app.Register(t, "artist", "Other")
	fan := c.member(t, "Fan", "")
	track := func(token, artistID string) string {
		var item contentItem
		r := app.Do(t, http.MethodPost, "/api/artists/"+artistID+"/content", token, map[string]any{"kind": "track", "title": "Song", "duration_seconds": 180})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		r.Decode(t, &item)
		return item.ID
	}
	mine, theirs, gone := track(artist.AccessToken, artist.User.ID), track(other.AccessToken, other.User.ID), track(artist.AccessToken, artist.User.ID)
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, "/api/artists/"+artist.User.ID+"/content/"+gone, artist.AccessToken, nil).Status)

	ws := app.Dial(t, fan.AccessToken)
	room := "artist:" + artist.User.ID
	require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])

	r := app.Do(t, http.MethodPost, "/api/parties", fan.AccessToken, partyBody(nil))
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))

	now := time.Now().UTC()
	c.app.Platform.Auth.Now = func() time.Time { return now }
	content := func(id string) map[string]any { return map[string]any{"kind": "track", "content_id": id} }
	for field, over := range map[string]map[string]any{
		"title":                   {"title": " "},
		"capacity":                {"capacity": 501},
		"playlist":                {"playlist": []any{}},
		"playlist[1].content_id":  {"playlist": []any{content(mine), content(theirs)}},
		"playlist[0].content_id":  {"playlist": []any{content(gone)}},
		"playlist[2].video_id":    {"playlist": []any{video("dQw4w9WgXcQ", 1000), video("dQw4w9WgXcQ", 1000), video("dQw4w9WgXc<", 1000)}},
		"playlist[0].duration_ms": {"playlist": []any{video("dQw4w9WgXcQ", 999)}},
		"playlist[3].duration_ms": {"playlist": []any{content(mine), content(mine), content(mine), video("dQw4w9WgXcQ", 6*3600*1000+1)}},
		"scheduled_at":            {"scheduled_at": now.Add(-time.Hour)},
		"min_tier":                {"min_tier": "vip"},
	} {
		requireField(t, app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(over)), field)
	}
	requireField(t, app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(map[string]any{"capacity": 0})), "capacity")
	requireField(t, app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(map[string]any{"scheduled_at": now.Add(366 * 24 * time.Hour)})), "scheduled_at")
	long := []any{video("dQw4w9WgXcQ", 5*3600*1000), video("dQw4w9WgXcQ", 5*3600*1000), video("dQw4w9WgXcQ", 3*3600*1000)}
	requireField(t, app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(map[string]any{"playlist": long})), "playlist")
	many := make([]any, 201)
	for i := range many {
		many[i] = video("dQw4w9WgXcQ", 1000)
	}
	requireField(t, app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(map[string]any{"playlist": many})), "playlist")
	require.Empty(t, testenv.Rows[models.Party](t, app.Platform.Store, "id", "artist_id = ?", mustUUID(t, artist.User.ID)), "nothing written")

	hidden := createParty(t, app, artist.AccessToken, map[string]any{"public": false})
	require.False(t, hidden.Public)
	require.NotEmpty(t, hidden.InviteCode, "the host sees the code")
	p := createParty(t, app, artist.AccessToken, map[string]any{"playlist": []any{content(mine), video("dQw4w9WgXcQ", 1000)}, "scheduled_at": now.Add(-30 * time.Second)})
	require.Equal(t, []models.PartyTrack{
		{Kind: models.TrackContent, ContentID: ptr(mustUUID(t, mine)), Title: "Song", DurationMs: 180000},
		{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", DurationMs: 1000},
	}, p.Playlist)
	require.Equal(t, 500, p.Capacity)
	require.Equal(t, "scheduled", p.Status)
	ev := ws.AwaitIn("party:created", room)["data"].(map[string]any)
	require.Equal(t, p.ID, ev["id"], "the first event is the public party's: the private one was not announced")
	require.Nil(t, ev["invite_code"])
}

func ptr[T any](v T) *T { return &v }

// A private party does not exist without its code (or a part in it); its
// code is the hosts' alone, and a rotated code stops working.
func TestPartyPrivateNeedsTheCode(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	fan, other := c.member(t, "Fan", ""), c.member(t, "Other", "")
	stranger := app.Register(t, "artist", "Stranger")
	p := createParty(t, app, artist.AccessToken, map[string]any{"public": false})
	path := "/api/parties/" + p.ID

	for _, try := range []string{"", "?code=nope", "?code=" + p.InviteCode + "x"} {
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, path+try, fan.AccessToken, nil).Status)
	}
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, path, "", nil).Status)
	var list partyList
	app.Do(t, http.MethodGet, "/api/parties", fan.AccessToken, nil).Decode(t, &list)
	require.Empty(t, list.Items, "not listed to a fan")
	app.Do(t, http.MethodGet, "/api/parties?public=false", artist.AccessToken, nil).Decode(t, &list)
	require.Len(t, list.Items, 1, "listed to its host")
	for _, token := range []string{stranger.AccessToken, fan.AccessToken} {
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPatch, path, token, map[string]any{"title": "Mine"}).Status)
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodDelete, path, token, nil).Status)
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPost, path+"/invite-code", token, nil).Status)
	}

	var seen partyItem
	r := app.Do(t, http.MethodGet, path+"?code="+p.InviteCode, fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &seen)
	require.Empty(t, seen.InviteCode, "a guest never sees the code")
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPost, path+"/rsvp", fan.AccessToken, map[string]any{}).Status)
	r = app.Do(t, http.MethodPost, path+"/rsvp", fan.AccessToken, map[string]any{"code": p.InviteCode})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.JSONEq(t, `{"rsvp_count":1,"rsvped":true}`, string(r.Body))
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, path, fan.AccessToken, nil).Status, "an RSVP needs no code")

	var code struct {
		InviteCode string `json:"invite_code"`
	}
	r = app.Do(t, http.MethodPost, path+"/invite-code", artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &code)
	require.NotEqual(t, p.InviteCode, code.InviteCode)
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, path+"?code="+p.InviteCode, other.AccessToken, nil).Status, "the old code")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, path+"?code="+code.InviteCode, other.AccessToken, nil).Status)
}

// Only the artist edits, cancels and picks co-hosts; an ended or cancelled
// party is not changed again; a higher-tier party refuses lower tiers.
func TestPartyHostsTiersAndCancel(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	follower, superfan := c.member(t, "Follower", ""), c.member(t, "Superfan", models.TierSuperfan)
	stranger := app.Register(t, "artist", "Stranger")
	p := createParty(t, app, artist.AccessToken, map[string]any{"min_tier": "superfan", "capacity": 50, "scheduled_at": time.Now().Add(time.Hour)})
	path := "/api/parties/" + p.ID

	for _, token := range []string{stranger.AccessToken, superfan.AccessToken} {
		require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPatch, path, token, map[string]any{"title": "Mine"}).Status)
		require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodDelete, path, token, nil).Status)
		require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, path+"/cohosts/"+superfan.User.ID, token, nil).Status)
	}
	r := app.Do(t, http.MethodGet, path, follower.AccessToken, nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	var locked lockedError
	r.Decode(t, &locked)
	require.Equal(t, "superfan", locked.Error.RequiredTier)
	require.Contains(t, string(r.Body), "this party is for superfan members and up")
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, path+"/rsvp", follower.AccessToken, nil).Status, "RSVP to a higher tier")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, path+"/rsvp", superfan.AccessToken, nil).Status)

	requireField(t, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"capacity": 501}), "capacity")
	requireField(t, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"playlist": []any{}}), "playlist")
	var edited partyItem
	r = app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"title": "Renamed", "min_tier": "follower"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &edited)
	require.Equal(t, "Renamed", edited.Title)
	require.Equal(t, 50, edited.Capacity, "absent fields stay")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, path, follower.AccessToken, nil).Status)

	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPost, path+"/cohosts/"+models.NewID().String(), artist.AccessToken, nil).Status, "not a user")
	r = app.Do(t, http.MethodPost, path+"/cohosts/"+superfan.User.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &edited)
	require.Equal(t, []string{superfan.User.ID}, edited.CoHosts)
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPatch, path, superfan.AccessToken, map[string]any{"title": "Co"}).Status, "a co-host does not edit")
	for i := range 9 {
		fan := c.member(t, fmt.Sprintf("Co %d", i), "")
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, path+"/cohosts/"+fan.User.ID, artist.AccessToken, nil).Status)
	}
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, path+"/cohosts/"+follower.User.ID, artist.AccessToken, nil).Status, "the eleventh")
	r = app.Do(t, http.MethodDelete, path+"/cohosts/"+superfan.User.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &edited)
	require.NotContains(t, edited.CoHosts, superfan.User.ID)

	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, path, artist.AccessToken, nil).Status)
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodDelete, path, artist.AccessToken, nil).Status, "cancelled twice")
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"title": "Again"}).Status)
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, path+"/rsvp", follower.AccessToken, nil).Status)
	var list partyList
	app.Do(t, http.MethodGet, "/api/parties?artist_id="+artist.User.ID, "", nil).Decode(t, &list)
	require.Empty(t, list.Items, "a cancelled party is not upcoming")
	app.Do(t, http.MethodGet, "/api/parties?status=cancelled&artist_id="+artist.User.ID, "", nil).Decode(t, &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, "Renamed", list.Items[0].Title)
	require.Equal(t, http.StatusBadRequest, app.Do(t, http.MethodGet, "/api/parties?status=over", "", nil).Status)
}

// The list pages soonest first; a retried create makes one party; party
// writes are limited per user.
func TestPartyListIdempotencyAndRateLimit(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 5 }))
	app, artist := c.app, c.artist
	now := time.Now().UTC().Truncate(time.Second)
	for i := 3; i > 0; i-- {
		createParty(t, app, artist.AccessToken, map[string]any{"title": fmt.Sprint(i), "scheduled_at": now.Add(time.Duration(i) * time.Hour)})
	}
	var titles []string
	next := ""
	for {
		var page partyList
		r := app.Do(t, http.MethodGet, "/api/parties?limit=2&cursor="+next, "", nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.Decode(t, &page)
		for _, p := range page.Items {
			titles = append(titles, p.Title)
		}
		if next = page.NextCursor; next == "" {
			break
		}
	}
	require.Equal(t, []string{"1", "2", "3"}, titles)

	post := func() testenv.Response {
		req, err := http.NewRequest(http.MethodPost, app.URL+"/api/parties", jsonBody(t, partyBody(nil)))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+artist.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "party-1")
		return app.Send(t, req)
	}
	var first, again partyItem
	post().Decode(t, &first)
	post().Decode(t, &again)
	require.Equal(t, first.ID, again.ID)
	require.Len(t, testenv.Rows[models.Party](t, app.Platform.Store, "id", "artist_id = ?", mustUUID(t, artist.User.ID)), 4)

	r := app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(nil))
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the sixth party write this minute: %s", strings.TrimSpace(string(r.Body)))
}

// A PATCH of a scheduled party's start and playlist moves its workflow
// too (the state query shows the new start); a bad one changes neither;
// one its workflow refuses (here: it no longer runs) puts the row back;
// once live, both are set (409).
func TestPartyPatchMovesTheWorkflow(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Mover")
	ctx := t.Context()
	p := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(2 * time.Hour)})
	path := "/api/parties/" + p.ID
	id := uuid.MustParse(p.ID)
	parties := workflows.PartyClient{Conn: workflows.Conn{Client: app.Platform.Temporal, TaskQueue: app.Platform.Config.TemporalTaskQueue}}
	row := func() *models.Party {
		got, err := app.Platform.Store.Party(ctx, id)
		require.NoError(t, err)
		return got
	}

	at := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	r := app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"scheduled_at": at,
		"playlist": []any{video("dQw4w9WgXcQ", 60000), video("9bZkp7q19f0", 30000)}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	st, err := parties.State(ctx, id)
	require.NoError(t, err)
	require.True(t, at.Equal(st.ScheduledAt), "the workflow moved: %s", st.ScheduledAt)
	require.True(t, at.Equal(row().ScheduledAt))
	require.Len(t, row().Playlist, 2)

	requireField(t, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(-time.Hour), "title": "Moved"}), "scheduled_at")
	requireField(t, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(400 * 24 * time.Hour)}), "scheduled_at")
	requireField(t, app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"playlist": []any{video("dQw4w9WgXcQ", 10)}}), "playlist[0].duration_ms")
	st, err = parties.State(ctx, id)
	require.NoError(t, err)
	require.True(t, at.Equal(st.ScheduledAt), "bad PATCHes left the workflow")
	require.True(t, at.Equal(row().ScheduledAt), "and the row")
	require.Equal(t, "Listening night", row().Title, "nothing half written")

	require.NoError(t, app.Platform.Temporal.TerminateWorkflow(ctx, workflows.PartyID(id), "", "test: the workflow is gone"))
	r = app.Do(t, http.MethodPatch, path, artist.AccessToken, map[string]any{"scheduled_at": at.Add(time.Hour), "title": "Gone"})
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	require.True(t, at.Equal(row().ScheduledAt), "the row was put back")
	require.Equal(t, "Listening night", row().Title)

	live := createParty(t, app, artist.AccessToken, nil)
	require.Eventually(t, func() bool {
		got, err := app.Platform.Store.Party(ctx, uuid.MustParse(live.ID))
		return err == nil && got.Status == models.PartyLive
	}, time.Minute, 50*time.Millisecond, "the workflow took the party live")
	for _, moved := range []map[string]any{{"scheduled_at": time.Now().Add(time.Hour)}, {"playlist": []any{video("dQw4w9WgXcQ", 60000)}}} {
		r := app.Do(t, http.MethodPatch, "/api/parties/"+live.ID, artist.AccessToken, moved)
		require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	}
}

// A public party's "live now" reaches its guests once, through the
// platform's own worker and notifier: a follower and an RSVP who does not
// follow (category party), never someone else.
func TestPartyLiveReachesItsGuests(t *testing.T) {
	app := testenv.StartApp(t)
	artist, follower, rsvp, stranger := app.Register(t, "artist", "Host"), app.Register(t, "fan", "Follower"), app.Register(t, "fan", "RSVP"), app.Register(t, "fan", "Stranger")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", follower.AccessToken, nil).Status)
	p := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(time.Hour), "title": "Night Drive"})
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/rsvp", rsvp.AccessToken, nil).Status)
	r := app.Do(t, http.MethodPatch, "/api/parties/"+p.ID, artist.AccessToken, map[string]any{"scheduled_at": time.Now()})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	type inbox struct {
		Items []struct{ Category, Title string } `json:"items"`
	}
	titles := func(token string) []string {
		var got inbox
		res, err := app.Call(http.MethodGet, "/api/notifications", token, nil)
		if err != nil || json.Unmarshal(res.Body, &got) != nil {
			return nil
		}
		var out []string
		for _, n := range got.Items {
			out = append(out, n.Category+": "+n.Title)
		}
		return out
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []string{"party: Live now: Night Drive"}, titles(follower.AccessToken))
		assert.Equal(c, []string{"party: Live now: Night Drive"}, titles(rsvp.AccessToken))
	}, time.Minute, 100*time.Millisecond)
	require.Empty(t, titles(stranger.AccessToken))

	// Once it ended, the party shows its stats (null before).
	type withStats struct {
		Status string          `json:"status"`
		Stats  *map[string]int `json:"stats"`
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) { // the workflow announces, then writes the row
		var got withStats
		if assert.NoError(c, app.Fetch(http.MethodGet, "/api/parties/"+p.ID, follower.AccessToken, nil, &got)) {
			assert.Equal(c, "live", got.Status)
			assert.Nil(c, got.Stats)
		}
	}, 10*time.Second, 50*time.Millisecond)
	require.NoError(t, app.Platform.Store.AddPartyCounts(t.Context(), uuid.MustParse(p.ID), 2, 1))
	r = app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/playback", artist.AccessToken, map[string]any{"action": "end"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		res, err := app.Call(http.MethodGet, "/api/parties/"+p.ID, follower.AccessToken, nil)
		var got withStats
		assert.NoError(c, err)
		assert.NoError(c, json.Unmarshal(res.Body, &got))
		assert.Equal(c, "ended", got.Status)
		if assert.NotNil(c, got.Stats) {
			assert.Equal(c, map[string]int{"peak_listeners": 0, "total_listeners": 0, "listening_minutes": 0, "chat_messages": 2, "reactions": 1}, *got.Stats)
		}
	}, time.Minute, 100*time.Millisecond)
}
