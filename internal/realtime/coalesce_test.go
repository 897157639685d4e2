package realtime_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A socket that stops reading while 10,000 frames of a coalescing event
// pour into two of its rooms keeps at most one of them per room in its
// queue: it is not cut off as a slow consumer (its queue holds 64), and
// once it reads again it ends with the latest of each room, in order.
func TestCoalescingFramesNeverFillTheQueue(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithoutRedis(), testenv.WithConfig(func(c *config.Config) { c.WSSendQueue = 64 }))
	openRoom(app)
	app.Platform.Hub.Coalesce("state")
	user := app.Register(t, "fan", "Slow")
	slow, _, err := websocket.DefaultDialer.Dial(strings.Replace(app.URL, "http", "ws", 1)+"/ws?ticket="+app.Ticket(t, user.AccessToken), nil)
	require.NoError(t, err)
	t.Cleanup(func() { slow.Close() })
	rooms := []string{"lobby:" + uuid.NewString(), "lobby:" + uuid.NewString()}
	for _, room := range rooms {
		require.NoError(t, slow.WriteJSON(map[string]any{"type": "join_room", "room": room, "id": room}))
	}
	// Joined once both acks are read; then the socket stops reading.
	for acks := 0; acks < len(rooms); {
		var f map[string]any
		require.NoError(t, slow.ReadJSON(&f))
		if f["type"] == "ack" {
			require.Equal(t, true, f["ok"], f)
			acks++
		}
	}

	pad := strings.Repeat("x", 4<<10) // 40 MB in all: far more than the kernel buffers hold
	const events = 10000
	for i := range events {
		err := app.Platform.Hub.Ephemeral(context.Background(), rooms[i%2], realtime.Event{Type: "state", Data: map[string]any{"i": i, "pad": pad}})
		require.NoError(t, err)
	}

	last := map[string]int{rooms[0]: -1, rooms[1]: -1}
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	for last[rooms[0]] != events-2 || last[rooms[1]] != events-1 {
		_, b, err := slow.ReadMessage()
		require.NoError(t, err, "the socket was not cut off")
		var f struct {
			Type string
			Room string
			Data struct{ I int }
		}
		require.NoError(t, json.Unmarshal(b, &f))
		if f.Type != "state" {
			continue
		}
		require.Greater(t, f.Data.I, last[f.Room], "frames of a room stay in order")
		last[f.Room] = f.Data.I
	}
	m := app.Do(t, http.MethodGet, "/metrics", "", nil)
	require.NotContains(t, string(m.Body), `fanfare_ws_disconnects_total{code="4008"}`)
}
