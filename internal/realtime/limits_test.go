package realtime_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func isCount(room string) func(map[string]any) bool {
	return func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		_, ok := d["count"]
		return f["type"] == "presence" && f["room"] == room && ok
	}
}

func countIs(room string, n int) func(map[string]any) bool {
	return func(f map[string]any) bool {
		return isCount(room)(f) && f["data"].(map[string]any)["count"] == float64(n)
	}
}

// An artist's feed is a crowd room: its members get a count, coalesced
// across both api instances, and never a frame per arrival; typing there
// is refused.
func TestCrowdRoomsGetACountNotEachArrival(t *testing.T) {
	one := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(one))
	artist := one.Register(t, "artist", "Crowd")
	room := "artist:" + artist.User.ID

	watcher := one.Dial(t, one.Register(t, "fan", "Watcher").AccessToken)
	require.Equal(t, true, watcher.Request("join_room", room, nil)["ok"])
	watcher.Next(countIs(room, 1))

	const arrivals = 12 // half on each instance, all joining at once
	crowd := make([]*testenv.WS, arrivals)
	for i := range crowd {
		app := []*testenv.App{one, two}[i%2]
		crowd[i] = app.Dial(t, app.Register(t, "fan", "Fan").AccessToken)
	}
	for _, ws := range crowd {
		ws.Send(map[string]any{"type": "join_room", "id": "j", "room": room})
	}
	for _, ws := range crowd {
		require.Equal(t, true, ws.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == "j" })["ok"])
	}
	got := watcher.Through(countIs(room, arrivals+1)) // every arrival, counted on either instance
	counts := 0
	for _, f := range got {
		d, _ := f["data"].(map[string]any)
		require.NotContains(t, d, "user_id", "no presence frame names an arrival: %v", f)
		if isCount(room)(f) {
			counts++
		}
	}
	require.Less(t, counts, arrivals/2, "arrivals are coalesced into a few counts")

	require.Equal(t, true, crowd[1].Request("leave_room", room, nil)["ok"]) // on instance two
	require.NoError(t, crowd[2].Conn.Close())                               // on instance one
	watcher.Next(countIs(room, arrivals-1))

	t.Run("typing is refused", func(t *testing.T) {
		ack := watcher.Request("typing_start", room, nil)
		require.Equal(t, false, ack["ok"])
		require.Equal(t, "invalid", testenv.ErrorCode(ack))
	})
}

// join_room and leave_room have a rate class, and refused joins count as
// violations: a socket that floods them is closed with 4029.
func TestJoinFloodsAreRefusedThenClosed(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Flooded")
	other := app.Register(t, "fan", "Other")
	for name, tc := range map[string]struct {
		n     int
		frame func(i int) map[string]any
	}{
		"joins of a forbidden room, within the rate": {25, func(int) map[string]any {
			return map[string]any{"type": "join_room", "room": realtime.UserRoom(other.User.ID)}
		}},
		"joins and leaves of an open room": {100, func(i int) map[string]any {
			return map[string]any{"type": []string{"join_room", "leave_room"}[i%2], "room": "artist:" + artist.User.ID}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			ws := app.Dial(t, app.Register(t, "fan", "Flooder").AccessToken)
			for i := range tc.n {
				if ws.Conn.WriteJSON(tc.frame(i)) != nil {
					break // closed by the server
				}
			}
			require.Equal(t, realtime.CloseFlooding, ws.CloseCode())
		})
	}

	t.Run("a rate-limited join is answered rate_limited", func(t *testing.T) {
		ws := app.Dial(t, app.Register(t, "fan", "Hasty").AccessToken)
		var refused map[string]any
		for range 40 { // the bucket holds 30
			if ack := ws.Request("join_room", "artist:"+artist.User.ID, nil); ack["ok"] == false {
				refused = ack
				break
			}
		}
		require.NotNil(t, refused)
		require.Equal(t, "rate_limited", testenv.ErrorCode(refused))
	})
}

// One socket joins at most WS_MAX_ROOMS rooms, its own user room included.
func TestRoomCapPerSocket(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.WSMaxRooms = 3 }))
	ws := app.Dial(t, app.Register(t, "fan", "Collector").AccessToken)
	rooms := make([]string, 3)
	for i := range rooms {
		rooms[i] = "artist:" + app.Register(t, "artist", "Artist").User.ID
	}
	require.Equal(t, true, ws.Request("join_room", rooms[0], nil)["ok"])
	require.Equal(t, true, ws.Request("join_room", rooms[1], nil)["ok"])
	ack := ws.Request("join_room", rooms[2], nil)
	require.Equal(t, false, ack["ok"])
	require.Equal(t, "rate_limited", testenv.ErrorCode(ack))
	require.Equal(t, true, ws.Request("join_room", rooms[1], nil)["ok"], "a room already joined is joined again (recovery)")
	require.Equal(t, true, ws.Request("leave_room", rooms[0], nil)["ok"])
	require.Equal(t, true, ws.Request("join_room", rooms[2], nil)["ok"], "a room left frees its place")
}

func TestCloseCodes(t *testing.T) {
	t.Run("1001 when the instance shuts down", func(t *testing.T) {
		app := testenv.StartApp(t)
		ws := app.Dial(t, app.Register(t, "fan", "Leaver").AccessToken)
		require.NoError(t, app.Platform.Hub.Close())
		require.Equal(t, realtime.CloseGoingAway, ws.CloseCode())
	})

	t.Run("4000 when pings go unanswered", func(t *testing.T) {
		app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
			c.WSPingInterval, c.WSPongTimeout = 100*time.Millisecond, 200*time.Millisecond
		}))
		fan := app.Register(t, "fan", "Silent")
		answering := app.Dial(t, fan.AccessToken) // answers pings (the client library pongs)
		silent, _, err := websocket.DefaultDialer.Dial(strings.Replace(app.URL, "http", "ws", 1)+"/ws?ticket="+app.Ticket(t, fan.AccessToken), nil)
		require.NoError(t, err)
		t.Cleanup(func() { silent.Close() })
		silent.SetPingHandler(func(string) error { return nil }) // reads pings, never answers
		for {
			if _, _, err = silent.ReadMessage(); err != nil {
				break
			}
		}
		var ce *websocket.CloseError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, realtime.CloseTimeout, ce.Code)
		// The answering socket outlived the silent one's timeout.
		answering.Send(map[string]any{"type": "ping", "id": "still-here"})
		answering.Next(func(f map[string]any) bool { return f["type"] == "pong" && f["id"] == "still-here" })
	})
}
