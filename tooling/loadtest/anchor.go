package loadtest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// Anchor is the baseline fan-out: a minimal fasthttp + websocket broadcast
// written only for the benchmark — one writer goroutine and a 256-slot
// channel per socket, each event framed once (PreparedMessage).
type Anchor struct {
	addr string
	srv  *fasthttp.Server
	mu   sync.Mutex
	subs map[chan *websocket.PreparedMessage]struct{}
}

// StartAnchor serves the anchor on a random local port.
func StartAnchor() (*Anchor, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &Anchor{addr: ln.Addr().String(), subs: map[chan *websocket.PreparedMessage]struct{}{}}
	up := websocket.FastHTTPUpgrader{CheckOrigin: func(*fasthttp.RequestCtx) bool { return true }}
	a.srv = &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		_ = up.Upgrade(ctx, func(c *websocket.Conn) {
			if c.WriteMessage(websocket.TextMessage, []byte(`{"type":"connected"}`)) != nil {
				return
			}
			ch := make(chan *websocket.PreparedMessage, 256)
			a.mu.Lock()
			a.subs[ch] = struct{}{}
			a.mu.Unlock()
			written := make(chan struct{})
			go func() {
				defer close(written)
				for m := range ch {
					if c.WritePreparedMessage(m) != nil {
						c.Close() // the reader below returns too
						for range ch {
						}
						return
					}
				}
			}()
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					break
				}
			}
			a.mu.Lock()
			delete(a.subs, ch)
			a.mu.Unlock()
			close(ch)
			<-written
		})
	}}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

// Dial implements Room.
func (a *Anchor) Dial(_ context.Context, _ int) (*websocket.Conn, error) {
	c, _, err := websocket.DefaultDialer.Dial("ws://"+a.addr+"/", nil)
	if err != nil {
		return nil, err
	}
	_, _, err = c.ReadMessage() // "connected": the socket is registered
	return c, err
}

// Publish implements Room.
func (a *Anchor) Publish(_ context.Context, sent int64) error {
	m, err := websocket.NewPreparedMessage(websocket.TextMessage,
		[]byte(`{"type":"bench","room":"anchor","data":{"t":`+strconv.FormatInt(sent, 10)+`}}`))
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for ch := range a.subs {
		select {
		case ch <- m:
		default: // a full channel drops, as the naive broadcast does
		}
	}
	return nil
}

// Close stops the anchor.
func (a *Anchor) Close() error {
	if err := a.srv.Shutdown(); err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	return nil
}
