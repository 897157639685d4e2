package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func ackData(t *testing.T, ack map[string]any) map[string]any {
	t.Helper()
	require.Equal(t, true, ack["ok"], "%v", ack)
	return ack["data"].(map[string]any)
}

// A live session over real sockets, with the superfans' broadcast on the
// dev server: the artist starts it, superfans are told, join and chat;
// others are refused; one runs at a time; ending closes the room.
func TestLiveSessionOverSockets(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	sam, ada := c.member(t, "Sam", models.TierSuperfan), c.member(t, "Ada", models.TierSuperfan)
	supporter := c.member(t, "Kai", models.TierSupporter)
	follower := app.Register(t, "fan", "Flo")
	require.Less(t, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", follower.AccessToken, nil).Status, 300)

	samWS, adaWS := app.Dial(t, sam.AccessToken), app.Dial(t, ada.AccessToken)
	backstage := realtime.BackstageRoom(artist.User.ID)
	require.Equal(t, true, samWS.Request("join_room", backstage, nil)["ok"])
	artistWS := app.Dial(t, artist.AccessToken)

	start := map[string]any{"title": "<b>Studio</b> night", "stream_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1"}
	require.Equal(t, "forbidden", testenv.ErrorCode(samWS.Request("stream:start", "", start)), "a fan starts nothing")
	for _, bad := range []map[string]any{
		{"title": "x", "stream_url": "http://twitch.tv/nova"},
		{"title": "x", "stream_url": "javascript:alert(1)//https://"},
		{"title": "x", "stream_url": "https://user:pw@twitch.tv/nova"},
		{"title": "x", "stream_url": "https://twitch.tv/" + strings.Repeat("a", 2048)},
		{"title": "x", "stream_url": "https://youtu.be/x\"><script>"},
		{"title": "<p> </p>", "stream_url": "https://twitch.tv/nova"},
	} {
		require.Equal(t, "invalid", testenv.ErrorCode(artistWS.Request("stream:start", "", bad)), "%v", bad)
	}
	require.Empty(t, testenv.Rows[models.LiveSession](t, app.Platform.Store, "id", "artist_id = ?", artist.User.ID), "nothing written")

	live := ackData(t, artistWS.Request("stream:start", "", start))
	id := live["id"].(string)
	require.Equal(t, "Studio night", live["title"])
	require.Equal(t, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", live["embed_url"])
	require.Equal(t, "conflict", testenv.ErrorCode(artistWS.Request("stream:start", "", map[string]any{"title": "again", "stream_url": "https://twitch.tv/nova"})))
	require.Equal(t, id, samWS.AwaitIn("live:started", backstage)["data"].(map[string]any)["id"])
	n := samWS.Await("notification")["data"].(map[string]any)
	require.Equal(t, "live", n["category"])
	require.Equal(t, "Nova is live", n["title"])

	room := realtime.LiveRoom(id)
	join := map[string]any{"session_id": id}
	require.Equal(t, id, ackData(t, samWS.Request("stream:join", "", join))["id"])
	require.Equal(t, true, adaWS.Request("join_room", room, nil)["ok"], "join_room goes through the same Access")
	for _, s := range []testenv.Session{supporter, follower} {
		ws := app.Dial(t, s.AccessToken)
		require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("stream:join", "", join)))
		require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("live:chat", room, map[string]any{"body": "let me in"})))
		r := app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/live", s.AccessToken, nil)
		require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	}

	require.Equal(t, true, adaWS.Request("live:chat", room, map[string]any{"body": "<img src=x onerror=alert(1)>Encore!"})["ok"])
	line := samWS.AwaitIn("live:chat", room)["data"].(map[string]any)
	require.Equal(t, "Encore!", line["body"])
	require.Equal(t, ada.User.ID, line["user_id"])
	require.Equal(t, "invalid", testenv.ErrorCode(adaWS.Request("live:chat", room, map[string]any{"body": strings.Repeat("a", 501)})))

	var got struct{ ID string }
	app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/live", sam.AccessToken, nil).Decode(t, &got)
	require.Equal(t, id, got.ID)

	ended := ackData(t, artistWS.Request("stream:end", "", nil))
	require.NotNil(t, ended["ended_at"])
	require.Equal(t, id, samWS.AwaitIn("live:ended", room)["data"].(map[string]any)["id"])
	require.Equal(t, "conflict", testenv.ErrorCode(app.Dial(t, sam.AccessToken).Request("stream:join", "", join)), "an ended session takes no joins")
	require.Equal(t, "conflict", testenv.ErrorCode(adaWS.Request("live:chat", room, map[string]any{"body": "hello?"})))
	require.Equal(t, "not_found", testenv.ErrorCode(artistWS.Request("stream:end", "", nil)))
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/live", sam.AccessToken, nil).Status)
}

// The REST routes start and end a session as the frames do; another
// artist and fans cannot.
func TestLiveSessionThroughREST(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	path := "/api/artists/" + artist.User.ID + "/live"
	sam := c.member(t, "Sam", models.TierSuperfan)
	rival := app.Register(t, "artist", "Rival")
	body := map[string]any{"title": "Soundcheck", "stream_url": "https://twitch.tv/nova"}

	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, path, rival.AccessToken, body).Status)
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, path, sam.AccessToken, body).Status)
	r := app.Do(t, http.MethodPost, path, artist.AccessToken, map[string]any{"title": "x", "stream_url": "http://twitch.tv/nova"})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Equal(t, "invalid", r.ErrorCode(t))

	r = app.Do(t, http.MethodPost, path, artist.AccessToken, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var live struct {
		ID       string  `json:"id"`
		EmbedURL *string `json:"embed_url"`
	}
	r.Decode(t, &live)
	require.Nil(t, live.EmbedURL, "no embed for a host we do not know")
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, path, artist.AccessToken, body).Status)
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodDelete, path, rival.AccessToken, nil).Status)

	ws := app.Dial(t, sam.AccessToken)
	room := realtime.LiveRoom(live.ID)
	require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodDelete, path, artist.AccessToken, nil).Status)
	require.Equal(t, live.ID, ws.AwaitIn("live:ended", room)["data"].(map[string]any)["id"])
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodDelete, path, artist.AccessToken, nil).Status)
	require.Equal(t, http.StatusCreated, app.Do(t, http.MethodPost, path, artist.AccessToken, body).Status, "the next one")
}

// A superfan who downgrades is taken out of the running session's room,
// and a chat flood is refused by the chat rate class.
func TestLiveRoomDowngradeAndFlood(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	sam, ada := c.member(t, "Sam", models.TierSuperfan), c.member(t, "Ada", models.TierSuperfan)
	live := ackData(t, app.Dial(t, artist.AccessToken).Request("stream:start", "", map[string]any{"title": "Live", "stream_url": "https://twitch.tv/nova"}))
	id := live["id"].(string)
	room := realtime.LiveRoom(id)

	flood := app.Dial(t, ada.AccessToken)
	require.Equal(t, true, flood.Request("stream:join", "", map[string]any{"session_id": id})["ok"])
	const frames = 15 // more than the chat burst, fewer than a flooding close
	for i := range frames {
		flood.Send(map[string]any{"type": "live:chat", "id": "chat" + strconv.Itoa(i), "room": room, "data": map[string]any{"body": "spam"}})
	}
	limited := 0
	for i := range frames {
		want := "chat" + strconv.Itoa(i)
		if testenv.ErrorCode(flood.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == want })) == "rate_limited" {
			limited++
		}
	}
	require.Positive(t, limited, "a flood is refused")

	ws := app.Dial(t, sam.AccessToken)
	require.Equal(t, true, ws.Request("stream:join", "", map[string]any{"session_id": id})["ok"])
	ctx := context.Background()
	sub, err := app.Platform.Store.Membership(ctx, mustUUID(t, artist.User.ID), mustUUID(t, sam.User.ID))
	require.NoError(t, err)
	sub.Tier = models.TierSupporter
	record := &activities.Membership{Store: app.Platform.Store, Rooms: app.Platform.Hub.Publisher, Now: time.Now}
	require.NoError(t, record.Record(ctx, *sub, 0, nil))
	seen := ws.Through(roomLeft(room))
	require.Equal(t, realtime.ReasonMembershipChanged, seen[len(seen)-1]["data"].(map[string]any)["reason"])
	requireOutOf(t, app, ws, sam.User.ID, room)
	require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("stream:join", "", map[string]any{"session_id": id})))
}

// A start whose superfans cannot be told (Temporal down) answers 503 and
// leaves no session running, so the artist can start again once it is
// back.
func TestLiveStartWhileTemporalIsDownWritesNothing(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	artist := app.Register(t, "artist", "Nova")
	temporal.Stop()
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/live", artist.AccessToken, map[string]any{"title": "Live", "stream_url": "https://twitch.tv/nova"})
	require.Equal(t, http.StatusServiceUnavailable, r.Status, string(r.Body))
	require.Empty(t, testenv.Rows[models.LiveSession](t, app.Platform.Store, "id", "artist_id = ?", artist.User.ID))
}
