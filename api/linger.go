package api

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// fasthttp answers a request it refuses before the handlers (a body over
// the route's limit, 413, is refused from its headers) and closes the
// connection while the client may still be writing the body. Closing a
// socket with unread bytes makes the kernel reset it, and the client, a
// browser most of all, drops the answer it had not read yet and shows a
// network error. So such a connection closes the way RFC 9112 §9.6 asks:
// its write side first (the answer, then FIN), then what the client still
// sends is read and discarded, up to a bound, before the socket is closed.
const (
	lingerBytes = 4 << 20
	lingerTime  = 5 * time.Second
)

// lingeringListener hands out connections that can be told to linger.
type lingeringListener struct{ net.Listener }

func (l lingeringListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return &lingeringConn{TCPConn: tc}, nil
	}
	return c, err
}

// lingeringConn lingers on Close only once told to: an answered request or
// a WebSocket closes at once (a socket's reader must stop when it is closed).
type lingeringConn struct {
	*net.TCPConn
	linger atomic.Bool
}

// Close returns at once: the discarding runs on its own goroutine, so no
// server goroutine waits on a slow client.
func (c *lingeringConn) Close() error {
	if !c.linger.CompareAndSwap(true, false) {
		return c.TCPConn.Close()
	}
	go func() {
		defer c.TCPConn.Close()
		if c.CloseWrite() != nil || c.SetReadDeadline(time.Now().Add(lingerTime)) != nil {
			return
		}
		_, _ = io.CopyN(io.Discard, c.TCPConn, lingerBytes) // until the client's FIN, the bound or the deadline
	}()
	return nil
}

// lingerOnRefusal makes fasthttp's refusals (its ErrorHandler, after which
// it closes the connection) linger.
func lingerOnRefusal(refuse func(*fasthttp.RequestCtx, error)) func(*fasthttp.RequestCtx, error) {
	return func(ctx *fasthttp.RequestCtx, err error) {
		if c, ok := ctx.Conn().(*lingeringConn); ok {
			c.linger.Store(true)
		}
		refuse(ctx, err)
	}
}
