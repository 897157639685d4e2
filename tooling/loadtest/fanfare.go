package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/fasthttp/websocket"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// FanfareRoom is the platform's api run in this process on cfg's services
// (the memory broker, or Redis when REDIS_URL is set), with clients on real
// sockets in an artist's room and events published through its hub.
type FanfareRoom struct {
	p      *app.Platform
	client *Client
	token  string
	room   string
	stop   context.CancelFunc
	done   chan error
}

// StartFanfare starts the api (no worker) and signs in a fan.
func StartFanfare(ctx context.Context, cfg config.Config) (*FanfareRoom, error) {
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.RateLimit, cfg.AuthRateLimit = 0, 0
	cfg.WSMaxConnsPerUser = 1 << 20
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := app.Open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := p.Store.MigrateUp(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	f := &FanfareRoom{p: p, client: &Client{Base: "http://" + ln.Addr().String()}, stop: stop, done: make(chan error, 1)}
	go func() { f.done <- p.Run(runCtx, ln, false) }()
	artist, err := f.client.Register("artist")
	if err != nil {
		return nil, err
	}
	f.room = "artist:" + artist.User.ID
	fan, err := f.client.Register("fan")
	if err != nil {
		return nil, err
	}
	f.token = fan.AccessToken
	return f, nil
}

// Dial implements Room.
func (f *FanfareRoom) Dial(_ context.Context, _ int) (*websocket.Conn, error) {
	c, err := f.client.Socket(f.token)
	if err != nil {
		return nil, err
	}
	return c, joinRoom(c, f.room)
}

// joinRoom joins a socket to room and reads until the join's ack.
func joinRoom(c *websocket.Conn, room string) error {
	if err := c.WriteJSON(map[string]string{"type": "join_room", "id": "j", "room": room}); err != nil {
		return err
	}
	for {
		var m struct{ Type, ID string }
		if err := c.ReadJSON(&m); err != nil {
			return err
		}
		if m.Type == "ack" && m.ID == "j" {
			return nil
		}
	}
}

// eventBench carries the time a benchmark event was sent.
const eventBench realtime.EventType[benchData] = "bench"

type benchData struct {
	T int64 `json:"t"`
}

// Publish implements Room.
func (f *FanfareRoom) Publish(ctx context.Context, sent int64) error {
	_, err := f.p.Hub.Publish(ctx, f.room, eventBench.Of(benchData{T: sent}))
	return err
}

// Close stops the api.
func (f *FanfareRoom) Close() error {
	f.stop()
	err := <-f.done
	f.p.Close()
	return err
}

// Client talks to a running api over HTTP, as a front end would.
type Client struct {
	Base string
}

// Session is a signed-in user.
type Session struct {
	AccessToken string `json:"access_token"`
	User        struct {
		ID string `json:"id"`
	} `json:"user"`
}

// Register creates a user with a unique email.
func (c *Client) Register(role string) (Session, error) {
	body, _ := json.Marshal(map[string]string{
		"email": "load-" + models.NewID().String() + "@example.com", "password": "correct horse battery staple",
		"display_name": "Load " + role, "role": role,
	})
	var s Session
	return s, c.post("/api/auth/register", "", body, &s)
}

// Socket opens /ws with a fresh ticket and waits for "connected".
func (c *Client) Socket(token string) (*websocket.Conn, error) {
	var t struct{ Ticket string }
	if err := c.post("/api/realtime/ticket", token, nil, &t); err != nil {
		return nil, err
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(c.Base, "http")+"/ws?ticket="+t.Ticket, nil)
	if err != nil {
		return nil, err
	}
	_, _, err = ws.ReadMessage() // "connected"
	return ws, err
}

func (c *Client) post(path, token string, body []byte, out any) error {
	req, _ := http.NewRequest(http.MethodPost, c.Base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
