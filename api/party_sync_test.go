package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/partysync"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// livePartyOf creates a public party starting now with the given track
// lengths and waits for its workflow to take it live.
func livePartyOf(t *testing.T, app *testenv.App, token string, durationsMs ...int64) partyItem {
	t.Helper()
	var tracks []any
	for _, ms := range durationsMs {
		tracks = append(tracks, video("dQw4w9WgXcQ", ms))
	}
	p := createParty(t, app, token, map[string]any{"playlist": tracks})
	require.Eventually(t, func() bool {
		r, err := app.Call(http.MethodGet, "/api/parties/"+p.ID, token, nil)
		var got partyItem
		return err == nil && json.Unmarshal(r.Body, &got) == nil && got.Status == "live"
	}, time.Minute, 50*time.Millisecond, "the workflow took the party live")
	return p
}

// playbackOf reads a frame's or an ack's data as playback.
func playbackOf(t *testing.T, f map[string]any) models.PartyPlayback {
	t.Helper()
	b, err := json.Marshal(f["data"])
	require.NoError(t, err)
	var pb models.PartyPlayback
	require.NoError(t, json.Unmarshal(b, &pb))
	return pb
}

// isSync matches a party:sync of room at version or later.
func isSync(room string, version int64) func(map[string]any) bool {
	return func(f map[string]any) bool {
		if f["type"] != "party:sync" || f["room"] != room {
			return false
		}
		v, _ := f["data"].(map[string]any)["version"].(float64)
		return int64(v) >= version
	}
}

// joinParty joins the party's room: the sync of where it is comes first,
// then the ack.
func joinParty(t *testing.T, ws *testenv.WS, room string) models.PartyPlayback {
	t.Helper()
	ws.Send(map[string]any{"type": "join_room", "id": "join", "room": room})
	frames := ws.Through(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == "join" })
	ack := frames[len(frames)-1]
	require.Equal(t, true, ack["ok"], ack)
	for _, f := range frames {
		if isSync(room, 0)(f) {
			return playbackOf(t, f)
		}
	}
	t.Fatalf("no party:sync before the join's ack: %v", frames)
	return models.PartyPlayback{}
}

// A co-host's pause over the socket reaches every listener, on either of
// two api instances, with the same state and version; a fan's control is
// refused and a seek past the end names position_ms, both changing
// nothing; a late joiner on the other instance is sent where the party
// is, which projects to the workflow's own position.
func TestPartySyncReachesEveryListener(t *testing.T) {
	app := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(app))
	artist := app.Register(t, "artist", "Host")
	co := app.Register(t, "fan", "Co")
	p := livePartyOf(t, app, artist.AccessToken, 200000)
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/cohosts/"+co.User.ID, artist.AccessToken, nil).Status)
	room := "party:" + p.ID

	const listeners = 20
	fans := make([]*testenv.WS, listeners)
	for i := range fans {
		fans[i] = []*testenv.App{app, two}[i%2].Dial(t, app.Register(t, "fan", "Listener").AccessToken)
		first := joinParty(t, fans[i], room)
		require.True(t, first.Playing, "joined a playing party")
	}
	host := app.Dial(t, co.AccessToken)

	ack := host.Request("party:control", room, map[string]any{"action": "pause"})
	require.Equal(t, true, ack["ok"], ack)
	paused := playbackOf(t, ack)
	require.False(t, paused.Playing)
	for _, ws := range fans {
		got := playbackOf(t, ws.Next(isSync(room, paused.Version)))
		require.Equal(t, paused, got, "every listener gets the same state and version")
	}

	t.Run("a fan's control is refused and changes nothing", func(t *testing.T) {
		refused := fans[0].Request("party:control", room, map[string]any{"action": "play"})
		require.Equal(t, false, refused["ok"])
		require.Equal(t, "forbidden", testenv.ErrorCode(refused))
	})
	t.Run("a seek past the end is refused naming position_ms", func(t *testing.T) {
		refused := host.Request("party:control", room, map[string]any{"action": "seek", "position_ms": 200001})
		require.Equal(t, false, refused["ok"])
		require.Equal(t, "invalid", testenv.ErrorCode(refused))
		require.Equal(t, "position_ms", refused["error"].(map[string]any)["field"])
	})
	t.Run("a control outside a party room is refused", func(t *testing.T) {
		for _, room := range []string{"", "party:nope", "artist:" + p.ID, "party:" + uuid.NewString()} {
			refused := host.Request("party:control", room, map[string]any{"action": "play"})
			require.Equal(t, false, refused["ok"], room)
		}
	})
	st, err := workflows.PartyClient{Conn: workflows.Conn{Client: app.Platform.Temporal}}.State(t.Context(), uuid.MustParse(p.ID))
	require.NoError(t, err)
	require.Equal(t, paused.Version, st.Playback.Version, "the refusals changed nothing")

	t.Run("a late joiner starts where the party is", func(t *testing.T) {
		ack := host.Request("party:control", room, map[string]any{"action": "seek", "position_ms": 100000})
		require.Equal(t, true, ack["ok"], ack)
		ack = host.Request("party:control", room, map[string]any{"action": "play"})
		require.Equal(t, true, ack["ok"], ack)
		playing := playbackOf(t, ack)

		late := two.Dial(t, app.Register(t, "fan", "Late").AccessToken)
		got := joinParty(t, late, room)
		require.Equal(t, playing, got)
		st, err := workflows.PartyClient{Conn: workflows.Conn{Client: app.Platform.Temporal}}.State(t.Context(), uuid.MustParse(p.ID))
		require.NoError(t, err)
		require.Equal(t, playing.Version, st.Playback.Version)
		// Within the millisecond both round down to.
		require.InDelta(t, st.Playback.PositionMs, partysync.Position(got, st.Playback.ServerMs), 1,
			"the joiner's projection is the workflow's position at the workflow's time")
	})
}

// A change no host made (the next track, when one ends) reaches the
// listeners too; the host's seek over REST is published at once.
func TestPartySyncOnTimerDrivenTrackChange(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Host")
	p := livePartyOf(t, app, artist.AccessToken, 200000, 200000)
	room := "party:" + p.ID
	fan := app.Dial(t, app.Register(t, "fan", "Listener").AccessToken)
	require.Equal(t, 0, joinParty(t, fan, room).TrackIndex)

	r := app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/playback", artist.AccessToken, map[string]any{"action": "seek", "position_ms": 199000})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var seek models.PartyPlayback
	r.Decode(t, &seek)
	require.Equal(t, seek, playbackOf(t, fan.Next(isSync(room, seek.Version))), "the route published the seek")

	next := playbackOf(t, fan.Next(isSync(room, seek.Version+1))) // a second later, from the workflow's timer
	require.Equal(t, 1, next.TrackIndex)
	require.True(t, next.Playing)
}
