package realtime_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func publish(t *testing.T, app *testenv.App, room, typ string, data any) uint64 {
	t.Helper()
	seq, err := app.Platform.Hub.Publish(context.Background(), room, realtime.Event{Type: typ, Data: data})
	require.NoError(t, err)
	return seq
}

// openRoom registers the room kind "lobby", open to every user, on apps
// before any socket opens.
func openRoom(apps ...*testenv.App) {
	for _, app := range apps {
		app.Platform.Hub.RoomKind("lobby", realtime.Kind{Access: func(context.Context, string, models.Role, string) error { return nil }})
	}
}

// Two api instances share one Redis: members on either instance receive
// events published on the other, typing crosses over, presence is shared.
func TestTwoInstancesShareRooms(t *testing.T) {
	one := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(one))
	openRoom(one, two)
	artist := one.Register(t, "artist", "Shared Room")
	fanA, fanB := one.Register(t, "fan", "A"), one.Register(t, "fan", "B")
	room := "artist:" + artist.User.ID
	lobby := "lobby:" + uuid.NewString()

	a := one.Dial(t, fanA.AccessToken)
	b := two.Dial(t, fanB.AccessToken)
	for _, ws := range []*testenv.WS{a, b} {
		for _, r := range []string{room, lobby} {
			require.Equal(t, true, ws.Request("join_room", r, nil)["ok"])
		}
	}
	a.Next(func(f map[string]any) bool { // A sees B arrive, from the other instance
		d, _ := f["data"].(map[string]any)
		return f["type"] == "presence" && f["room"] == lobby && d["user_id"] == fanB.User.ID
	})

	seq := publish(t, one, room, "release:new", map[string]string{"title": "Night Drive"})
	for _, ws := range []*testenv.WS{a, b} {
		ev := ws.AwaitIn("release:new", room)
		require.EqualValues(t, seq, ev["seq"])
		require.NotZero(t, ev["ts"])
		require.Equal(t, "Night Drive", ev["data"].(map[string]any)["title"])
	}
	seq2 := publish(t, two, room, "release:new", map[string]string{"title": "Second"})
	require.Equal(t, seq+1, seq2, "one seq per room across instances")
	require.EqualValues(t, seq2, a.AwaitIn("release:new", room)["seq"])

	b.Send(map[string]any{"type": "typing_start", "room": lobby})
	typing := a.AwaitIn("typing_start", lobby)
	require.Equal(t, fanB.User.ID, typing["data"].(map[string]any)["user_id"])
	require.NotContains(t, typing, "seq", "typing is ephemeral")

	// Presence: B is online on instance two, as seen from instance one
	// (B asks: presence lookups answer for one's contacts and oneself).
	r := one.Do(t, http.MethodGet, "/api/presence?users="+fanB.User.ID+","+artist.User.ID, fanB.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.JSONEq(t, `{"online":{"`+fanB.User.ID+`":true,"`+artist.User.ID+`":false}}`, string(r.Body))

	// B's last socket closes: A, in a room with B, hears B go offline.
	require.NoError(t, b.Conn.Close())
	off := a.Next(func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == "presence" && d["user_id"] == fanB.User.ID && d["status"] == "offline"
	})
	require.Equal(t, lobby, off["room"])
	require.Eventually(t, func() bool {
		r := one.Do(t, http.MethodGet, "/api/presence?users="+fanB.User.ID, fanB.AccessToken, nil)
		return strings.Contains(string(r.Body), `false`)
	}, 5*time.Second, 50*time.Millisecond)
}

func TestEventsReachTheUserRoom(t *testing.T) {
	for name, opts := range map[string][]testenv.Option{"redis": nil, "memory": {testenv.WithoutRedis(), testenv.WithSQLite()}} {
		t.Run(name, func(t *testing.T) {
			app := testenv.StartApp(t, opts...)
			fan := app.Register(t, "fan", "Me")
			ws := app.Dial(t, fan.AccessToken)
			publish(t, app, realtime.UserRoom(fan.User.ID), "notification", map[string]string{"title": "hi"})
			require.Equal(t, "hi", ws.Await("notification")["data"].(map[string]any)["title"])

			ws.Send(map[string]any{"type": "ping", "id": "p1"})
			p := ws.Next(func(f map[string]any) bool { return f["type"] == "pong" && f["id"] == "p1" })
			require.InDelta(t, float64(time.Now().UnixMilli()), p["data"].(map[string]any)["server_ms"], 5000)
		})
	}
}

func TestRecoveryAfterADrop(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Recover")
	fan := app.Register(t, "fan", "Dropper")
	room := "artist:" + artist.User.ID

	ws := app.Dial(t, fan.AccessToken)
	joined := ws.Request("join_room", room, nil)["data"].(map[string]any)
	publish(t, app, room, "post", map[string]int{"n": 1})
	last := ws.AwaitIn("post", room)
	epoch := joined["epoch"]
	if epoch == "" { // the room had no event before this join
		epoch = ws.Request("join_room", room, nil)["data"].(map[string]any)["epoch"]
	}
	require.NoError(t, ws.Conn.Close())

	for n := 2; n <= 4; n++ {
		publish(t, app, room, "post", map[string]int{"n": n})
	}
	again := app.Dial(t, fan.AccessToken)
	res := again.Request("join_room", room, map[string]any{"seq": last["seq"], "epoch": epoch})
	require.Equal(t, true, res["ok"], res)
	data := res["data"].(map[string]any)
	require.Equal(t, true, data["recovered"])
	events := data["events"].([]any)
	require.Len(t, events, 3)
	for i, e := range events {
		require.EqualValues(t, i+2, e.(map[string]any)["data"].(map[string]any)["n"])
	}

	stale := app.Dial(t, fan.AccessToken)
	res = stale.Request("join_room", room, map[string]any{"seq": 1, "epoch": "from-another-life"})
	require.Equal(t, false, res["data"].(map[string]any)["recovered"])
}

func TestRoomAccess(t *testing.T) {
	app := testenv.StartApp(t)
	me, other := app.Register(t, "fan", "Me"), app.Register(t, "fan", "Other")
	artist := app.Register(t, "artist", "Open Feed")
	ws := app.Dial(t, me.AccessToken)
	for room, code := range map[string]string{
		"user:" + other.User.ID:                       "forbidden",
		"artist:01932c7e-0000-7000-8000-000000000000": "not_found",
		"artist:not-an-id":                            "invalid",
		"vault:1":                                     "invalid",
		"no-kind":                                     "invalid",
	} {
		ack := ws.Request("join_room", room, nil)
		require.Equal(t, false, ack["ok"], room)
		require.Equal(t, code, testenv.ErrorCode(ack), room)
	}
	require.Equal(t, true, ws.Request("join_room", "artist:"+artist.User.ID, nil)["ok"])
	// Events of the private room never reach another user.
	publish(t, app, realtime.UserRoom(other.User.ID), "notification", map[string]string{"secret": "x"})
	publish(t, app, realtime.UserRoom(me.User.ID), "notification", map[string]string{"mine": "y"})
	n := ws.Await("notification")
	require.Equal(t, "y", n["data"].(map[string]any)["mine"])
}

func TestSlowConsumerIsCutOffWithoutSlowingOthers(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.WSSendQueue = 64 }))
	artist := app.Register(t, "artist", "Loud")
	slowUser, fastUser := app.Register(t, "fan", "Slow"), app.Register(t, "fan", "Fast")
	room := "artist:" + artist.User.ID

	// The slow client joins and then never reads again.
	slow, _, err := websocket.DefaultDialer.Dial(strings.Replace(app.URL, "http", "ws", 1)+"/ws?ticket="+app.Ticket(t, slowUser.AccessToken), nil)
	require.NoError(t, err)
	t.Cleanup(func() { slow.Close() })
	require.NoError(t, slow.WriteJSON(map[string]any{"type": "join_room", "room": room, "id": "j"}))
	fast := app.Dial(t, fastUser.AccessToken)
	require.Equal(t, true, fast.Request("join_room", room, nil)["ok"])

	big := strings.Repeat("x", 32<<10)
	const events = 1000 // ~32 MB: far more than the kernel buffers the slow socket fills
	// In lockstep with the fast reader, so only the slow one falls behind.
	for i := range events {
		publish(t, app, room, "blob", map[string]any{"i": i, "pad": big})
		ev := fast.AwaitIn("blob", room)
		require.EqualValues(t, i, ev["data"].(map[string]any)["i"])
	}
	// The server cut the slow socket off: reading what was buffered ends in
	// the connection's end, not a timeout. Its send buffer was full, so the
	// close frame itself may not fit; the metric records the 4008.
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	err = nil
	for err == nil {
		_, _, err = slow.ReadMessage()
	}
	require.NotContains(t, err.Error(), "timeout")
	if ce, ok := err.(*websocket.CloseError); ok {
		require.Contains(t, []int{realtime.CloseSlowConsumer, websocket.CloseAbnormalClosure}, ce.Code)
	}
	m := app.Do(t, http.MethodGet, "/metrics", "", nil)
	require.Contains(t, string(m.Body), `fanfare_ws_disconnects_total{code="4008"} 1`)
}

// A worker process has a hub of its own with no sockets: it publishes
// through Redis, and the api instance delivers.
func TestAnotherProcessPublishesThroughRedis(t *testing.T) {
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Listener")
	ws := app.Dial(t, fan.AccessToken)
	worker := realtime.NewHub(app.Platform.Redis, app.Platform.Config.RedisPrefix,
		realtime.Options{MaxConnsPerUser: 1, MaxRoomsPerConn: 1, SendQueue: 1}, prometheus.NewRegistry(), testenv.Log())
	t.Cleanup(func() { worker.Close() })
	seq, err := worker.Publish(context.Background(), realtime.UserRoom(fan.User.ID), realtime.Event{Type: "notification", Data: map[string]string{"from": "worker"}})
	require.NoError(t, err)
	ev := ws.Await("notification")
	require.EqualValues(t, seq, ev["seq"])
	require.Equal(t, "worker", ev["data"].(map[string]any)["from"])
}

// Features add frame types with a rate class, and contacts for presence.
func TestFeatureHooks(t *testing.T) {
	app := testenv.StartApp(t)
	alice, bob := app.Register(t, "fan", "Alice"), app.Register(t, "fan", "Bob")
	hub := app.Platform.Hub // hooks are set before any socket opens
	hub.Handle("echo:chat", realtime.RateChat, func(_ context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
		return map[string]string{"from": c.UserID, "room": f.Room}, nil
	})
	hub.SetContacts(func(_ context.Context, userID string) ([]string, error) {
		if userID == alice.User.ID {
			return []string{bob.User.ID}, nil
		}
		return nil, nil
	})

	b := app.Dial(t, bob.AccessToken)
	a := app.Dial(t, alice.AccessToken)
	online := b.Await("presence")
	require.Equal(t, map[string]any{"user_id": alice.User.ID, "status": "online"}, online["data"])
	require.Equal(t, realtime.UserRoom(bob.User.ID), online["room"])

	ack := a.Request("echo:chat", "", nil)
	require.Equal(t, true, ack["ok"])
	require.Equal(t, alice.User.ID, ack["data"].(map[string]any)["from"])
	limited := false
	for range 15 { // the chat bucket holds 10
		if a.Request("echo:chat", "", nil)["ok"] == false {
			limited = true
			break
		}
	}
	require.True(t, limited, "the chat rate class is enforced")

	require.NoError(t, a.Conn.Close())
	off := b.Await("presence")
	require.Equal(t, "offline", off["data"].(map[string]any)["status"])
}
