package realtime_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestBadFramesGetErrorsAndTheServerStaysUp(t *testing.T) {
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Prober")
	bystander := app.Dial(t, app.Register(t, "fan", "Bystander").AccessToken)

	t.Run("error frames", func(t *testing.T) {
		ws := app.Dial(t, fan.AccessToken)
		for raw, code := range map[string]string{
			`not json`:                   "invalid",
			`[1,2]`:                      "invalid",
			`{"type":""}`:                "invalid",
			`{"type":"x","extra":1}`:     "invalid",
			`{"type":"x","data":"str"}`:  "invalid",
			`{"type":"launch_missiles"}`: "invalid",
			`{"type":"typing_start","room":"user:x"}`: "invalid", // not joined
			`{"type":"leave_room","room":"artist:1"}`: "invalid",
		} {
			require.NoError(t, ws.Conn.WriteMessage(websocket.TextMessage, []byte(raw)))
			e := ws.Await("error")
			require.Equal(t, code, testenv.ErrorCode(e), raw)
		}
		ack := ws.Request("launch_missiles", "", nil)
		require.Equal(t, false, ack["ok"])
		require.Equal(t, "invalid", testenv.ErrorCode(ack))
	})

	closes := map[string]struct {
		send func(*websocket.Conn) error
		code int
	}{
		"binary frame": {func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, []byte{1, 2}) }, realtime.CloseUnsupported},
		"oversized frame": {func(c *websocket.Conn) error {
			return c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping","data":{"pad":"`+strings.Repeat("x", 70<<10)+`"}}`))
		}, realtime.CloseTooBig},
		"flooding typing": {func(c *websocket.Conn) error {
			for range 40 {
				if err := c.WriteJSON(map[string]any{"type": "typing_start", "room": "user:" + fan.User.ID}); err != nil {
					return err
				}
			}
			return nil
		}, realtime.CloseFlooding},
	}
	for name, tc := range closes {
		t.Run(name, func(t *testing.T) {
			ws := app.Dial(t, fan.AccessToken)
			require.NoError(t, tc.send(ws.Conn))
			require.Equal(t, tc.code, ws.CloseCode())
		})
	}

	t.Run("flooding is refused before the close", func(t *testing.T) {
		ws := app.Dial(t, fan.AccessToken)
		for range 8 {
			ws.Send(map[string]any{"type": "typing_start", "room": "user:" + fan.User.ID})
		}
		require.Equal(t, "rate_limited", testenv.ErrorCode(ws.Await("error")))
	})

	// Nobody else noticed.
	bystander.Send(map[string]any{"type": "ping", "id": "still-there"})
	require.Equal(t, "still-there", bystander.Await("pong")["id"])
}

func TestTicketsGuardTheSocket(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.WSMaxConnsPerUser = 2
		c.CORSOrigins = []string{"https://app.fanfare.test"}
	}))
	fan := app.Register(t, "fan", "Ticket Holder")

	for name, ticket := range map[string]string{"missing": "", "forged": "not-a-ticket"} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, realtime.CloseUnauthorized, app.DialTicket(t, ticket, nil).CloseCode())
		})
	}
	t.Run("reused", func(t *testing.T) {
		ticket := app.Ticket(t, fan.AccessToken)
		first := app.DialTicket(t, ticket, nil)
		first.Await("connected")
		require.Equal(t, realtime.CloseUnauthorized, app.DialTicket(t, ticket, nil).CloseCode())
		require.NoError(t, first.Conn.Close())
	})
	t.Run("ticket needs a signed-in user", func(t *testing.T) {
		r := app.Do(t, http.MethodPost, "/api/realtime/ticket", "", nil)
		require.Equal(t, http.StatusUnauthorized, r.Status)
	})
	t.Run("foreign origin", func(t *testing.T) {
		u := strings.Replace(app.URL, "http", "ws", 1) + "/ws?ticket=" + app.Ticket(t, fan.AccessToken)
		_, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"https://evil.example"}})
		require.Error(t, err)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		ok := app.DialTicket(t, app.Ticket(t, fan.AccessToken), http.Header{"Origin": {"https://app.fanfare.test"}})
		ok.Await("connected")
		require.NoError(t, ok.Conn.Close())
	})
	t.Run("connection cap per user", func(t *testing.T) {
		a, b := app.Dial(t, fan.AccessToken), app.Dial(t, fan.AccessToken)
		third := app.DialTicket(t, app.Ticket(t, fan.AccessToken), nil)
		require.Equal(t, realtime.CloseTooMany, third.CloseCode())
		require.NoError(t, a.Conn.Close())
		_ = b
	})
	t.Run("presence lookup validates ids", func(t *testing.T) {
		r := app.Do(t, http.MethodGet, "/api/presence?users=nope", fan.AccessToken, nil)
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Equal(t, "invalid", r.ErrorCode(t))
	})
}
