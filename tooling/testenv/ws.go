package testenv

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// WS is a test's WebSocket client: frames are read in the background and
// taken in order with Next, Await or Request.
type WS struct {
	t      testing.TB
	Conn   *websocket.Conn
	frames chan map[string]any
	closed chan struct{}
	code   atomic.Int64
	ids    atomic.Int64
	held   []map[string]any
}

// Ticket asks the api for a single-use socket ticket.
func (a *App) Ticket(t testing.TB, token string) string {
	t.Helper()
	r := a.Do(t, http.MethodPost, "/api/realtime/ticket", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("ticket: %d %s", r.Status, r.Body)
	}
	var v struct{ Ticket string }
	r.Decode(t, &v)
	return v.Ticket
}

// DialTicket opens /ws with a ticket (valid or not) and returns the client
// without waiting for anything.
func (a *App) DialTicket(t testing.TB, ticket string, header http.Header) *WS {
	t.Helper()
	u := "ws" + strings.TrimPrefix(a.URL, "http") + "/ws?ticket=" + ticket
	conn, resp, err := websocket.DefaultDialer.Dial(u, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", u, err, status)
	}
	w := &WS{t: t, Conn: conn, frames: make(chan map[string]any, 4096), closed: make(chan struct{})}
	go w.read()
	t.Cleanup(func() { conn.Close() })
	return w
}

// Dial opens a socket as the holder of token and waits for "connected".
func (a *App) Dial(t testing.TB, token string) *WS {
	t.Helper()
	w := a.DialTicket(t, a.Ticket(t, token), nil)
	w.Await("connected")
	return w
}

func (w *WS) read() {
	defer close(w.closed)
	defer close(w.frames)
	for {
		_, b, err := w.Conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				w.code.Store(int64(ce.Code))
			} else {
				w.code.Store(-1) // dropped without a close frame
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			w.t.Errorf("server sent non-JSON: %q", b)
			continue
		}
		w.frames <- m
	}
}

// Send writes one frame as JSON.
func (w *WS) Send(v any) {
	w.t.Helper()
	if err := w.Conn.WriteJSON(v); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

// Next returns the next frame matching match, keeping the others for later
// calls; it fails the test after five seconds.
func (w *WS) Next(match func(map[string]any) bool) map[string]any {
	w.t.Helper()
	for i, f := range w.held {
		if match(f) {
			w.held = append(w.held[:i], w.held[i+1:]...)
			return f
		}
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("socket closed (code %d) while waiting", w.code.Load())
			}
			if match(f) {
				return f
			}
			w.held = append(w.held, f)
		case <-timeout:
			w.t.Fatalf("no matching frame in 5s; held: %v", w.held)
		}
	}
}

// Await returns the next frame of a type.
func (w *WS) Await(typ string) map[string]any {
	w.t.Helper()
	return w.Next(func(f map[string]any) bool { return f["type"] == typ })
}

// AwaitIn returns the next frame of a type in a room.
func (w *WS) AwaitIn(typ, room string) map[string]any {
	w.t.Helper()
	return w.Next(func(f map[string]any) bool { return f["type"] == typ && f["room"] == room })
}

// Request sends a frame with a fresh id and returns its ack.
func (w *WS) Request(typ, room string, data any) map[string]any {
	w.t.Helper()
	id := strconv.FormatInt(w.ids.Add(1), 10)
	frame := map[string]any{"type": typ, "id": id}
	if room != "" {
		frame["room"] = room
	}
	if data != nil {
		frame["data"] = data
	}
	w.Send(frame)
	return w.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == id })
}

// CloseCode waits for the server to close the socket and returns the code
// (-1 when the connection dropped without a close frame).
func (w *WS) CloseCode() int {
	w.t.Helper()
	select {
	case <-w.closed:
		return int(w.code.Load())
	case <-time.After(10 * time.Second):
		w.t.Fatal("socket still open after 10s")
		return 0
	}
}

// ErrorCode returns the error code of an ack or error frame.
func ErrorCode(f map[string]any) string {
	e, _ := f["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Through returns every frame not taken yet up to the next one matching
// match, which is the last of them: what a socket got before a sentinel.
func (w *WS) Through(match func(map[string]any) bool) []map[string]any {
	w.t.Helper()
	last := w.Next(match)
	got := append(w.held, last)
	w.held = nil
	return got
}
