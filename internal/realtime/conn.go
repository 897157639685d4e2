package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"github.com/fanfare/fanfare/models"
)

// Conn is one client socket. Its reader is the goroutine that called Serve;
// its writer is a goroutine that exists only while frames are queued, so an
// idle socket costs one goroutine and a few buffers.
type Conn struct {
	ID     string
	UserID string
	Role   models.Role

	hub    *Hub
	ctx    context.Context // the connection's own: cancelled when it closes
	cancel context.CancelFunc
	ws     *websocket.Conn
	net    net.Conn

	mu         sync.Mutex
	rooms      []string // a slice is smaller than a map for a few rooms
	queue      [][]byte
	spare      [][]byte
	pending    map[string]int // coalesce key → index in queue of the frame waiting under it
	writing    bool
	closed     bool
	limits     [rateClasses]*rate.Limiter
	violations int

	wmu sync.Mutex // one writer on the socket at a time
	amu sync.Mutex // held while abort uses the socket; Serve waits for it
}

const (
	writeTimeout  = 10 * time.Second
	maxViolations = 20 // rate-limit or protocol violations before a flooding close
)

var rates = [rateClasses]struct {
	every time.Duration
	burst int
}{
	RateTyping:   {time.Second, 5},
	RateChat:     {200 * time.Millisecond, 10},
	RateReaction: {100 * time.Millisecond, 20},
	RateRooms:    {200 * time.Millisecond, 30},
}

// Serve runs a socket authenticated as userID until it closes. It blocks for
// the life of the connection and recovers its own panics.
func (h *Hub) Serve(ws *websocket.Conn, userID string, role models.Role) {
	c := &Conn{ID: models.NewID().String(), UserID: userID, Role: role, hub: h, ws: ws, net: ws.NetConn()}
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("websocket handler panicked", "conn_id", c.ID, "panic", r)
			c.abort(CloseInternal, "internal error")
		}
	}()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	ctx := c.ctx
	var opened bool
	onFreshStack(func() { opened = c.open(ctx) })
	if opened {
		c.readLoop(ctx)
		c.abort(CloseNormal, "")
		// Linger until the client answers the close frame (or a second
		// passes): closing with its frames unread would reset the
		// connection and lose the close frame in flight.
		_ = c.net.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.Copy(io.Discard, c.net)
	}
	onFreshStack(c.cleanup)
	// fasthttp recycles the connection once Serve returns: an abort still
	// using it (from another goroutine) must finish first.
	c.amu.Lock()
	c.amu.Unlock()
}

// onFreshStack runs fn on a short-lived goroutine and waits for it. Deep
// calls (Redis, SQL) grow that goroutine's stack instead of the reader's,
// which lives as long as the socket: an idle socket keeps a small stack.
// A panic in fn is raised again here, for Serve to recover.
func onFreshStack(fn func()) {
	var p any
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		fn()
	}()
	<-done
	if p != nil {
		panic(p)
	}
}

// open registers the socket: presence, the user's own room, "connected".
func (c *Conn) open(ctx context.Context) bool {
	h := c.hub
	first, err := h.presence.Connect(ctx, c.UserID, c.ID, h.opts.MaxConnsPerUser)
	if err != nil {
		if errors.Is(err, ErrTooManyConnections) {
			c.abort(CloseTooMany, "too many open connections")
		} else {
			h.log.Error("presence connect failed", "error", err)
			c.abort(CloseInternal, "try again later")
		}
		return false
	}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	h.metrics.conns.Inc()
	if first {
		go h.announce(c.UserID, "online", nil)
	}
	if err := c.enter(ctx, UserRoom(c.UserID)); err != nil {
		h.log.Error("join own room failed", "error", err)
		c.abort(CloseInternal, "try again later")
		return false
	}
	c.send(map[string]any{"type": frameConnected, "data": map[string]any{
		"conn_id": c.ID, "user_id": c.UserID, "server_ms": time.Now().UnixMilli(),
		"ping_interval_ms": h.opts.PingInterval.Milliseconds(),
	}})
	return true
}

func (c *Conn) readLoop(ctx context.Context) {
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(c.hub.opts.PingInterval + c.hub.opts.PongTimeout)) }
	alive()
	c.ws.SetReadLimit(ReadLimit)
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		alive()
		c.enqueue(wsFrame(opPong, []byte(data)))
		return nil
	})
	c.ws.SetCloseHandler(func(code int, _ string) error {
		c.abort(CloseNormal, "")
		return nil
	})
	var buf bytes.Buffer
	for {
		kind, r, err := c.ws.NextReader()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				c.abort(CloseTooBig, "frame larger than 64 KiB")
			case isTimeout(err):
				c.abort(CloseTimeout, "no pong in time")
			}
			return
		}
		alive()
		if kind != websocket.TextMessage {
			c.abort(CloseUnsupported, "only text frames are accepted")
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.abort(CloseTooBig, "frame larger than 64 KiB")
			}
			return
		}
		onFreshStack(func() { c.handle(ctx, buf.Bytes()) })
		if c.isClosed() {
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// handle answers one client frame.
func (c *Conn) handle(ctx context.Context, raw []byte) {
	f, err := DecodeFrame(raw)
	if err != nil {
		c.violation()
		c.reply(f, nil, err)
		return
	}
	var data any
	switch f.Type {
	case "ping":
		data = map[string]any{"server_ms": time.Now().UnixMilli()}
		c.send(map[string]any{"type": framePong, "id": f.ID, "data": data})
		return
	case "join_room":
		if err = c.allow(RateRooms); err == nil {
			data, err = c.joinFrame(ctx, f)
		}
	case "leave_room":
		if err = c.allow(RateRooms); err == nil {
			err = c.Leave(f.Room)
		}
	case "typing_start", "typing_stop":
		if err = c.allow(RateTyping); err == nil {
			err = c.typing(ctx, f)
		}
	default:
		entry, ok := c.hub.handler(f.Type)
		if !ok {
			c.violation()
			err = models.FieldError("type", "unknown frame type %q", f.Type)
			break
		}
		if err = c.allow(entry.rate); err == nil {
			data, err = entry.fn(ctx, c, f)
		}
	}
	c.reply(f, data, err)
}

// reply acks a frame that has an id; an error without an id becomes an
// error frame.
func (c *Conn) reply(f Frame, data any, err error) {
	switch {
	case f.ID != "" && err == nil:
		c.send(ack{Type: "ack", ID: f.ID, OK: true, Data: data})
	case f.ID != "":
		e := toErrorObject(err)
		c.send(ack{Type: "ack", ID: f.ID, OK: false, Error: &e})
	case err != nil:
		c.send(errorFrame{Type: "error", Error: toErrorObject(err)})
	}
}

type joinData struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
}

type joinResult struct {
	Room      string            `json:"room"`
	Seq       uint64            `json:"seq"`
	Epoch     string            `json:"epoch"`
	Recovered bool              `json:"recovered"`
	Events    []json.RawMessage `json:"events"`
}

// joinFrame joins a room and, when the client says where it was, returns
// the events it missed.
func (c *Conn) joinFrame(ctx context.Context, f Frame) (any, error) {
	var d joinData
	if len(f.Data) > 0 {
		if err := json.Unmarshal(f.Data, &d); err != nil {
			c.violation()
			return nil, models.FieldError("data", "data must be {seq, epoch}")
		}
	}
	if err := c.Join(ctx, f.Room); err != nil {
		return nil, err
	}
	since := d.Seq
	if since == 0 && d.Epoch == "" {
		since = ^uint64(0) // a first join: nothing to recover
	}
	h, err := c.hub.broker.History(ctx, f.Room, since, d.Epoch)
	if err != nil {
		return nil, err
	}
	res := joinResult{Room: f.Room, Seq: h.Seq, Epoch: h.Epoch, Recovered: h.Recovered || since == ^uint64(0), Events: []json.RawMessage{}}
	for _, e := range h.Events {
		res.Events = append(res.Events, e)
	}
	return res, nil
}

// Join puts c in room once the room kind's access rule and join hook let
// it in, and tells the room's members. It is what join_room does, and what
// a feature's frame handler calls to put its socket in a room (without the
// recovery of missed events). Being in the room already is no error.
// Refused access and the room cap count as violations (probing rooms one
// may not join is abuse); a join hook's refusal (a full room) does not.
func (c *Conn) Join(ctx context.Context, room string) error {
	joined := c.joined()
	if slices.Contains(joined, room) {
		return nil
	}
	if len(joined) >= c.hub.opts.MaxRoomsPerConn {
		c.violation()
		return models.Errorf(models.CodeRateLimited, "too many rooms on one connection")
	}
	seen := c.hub.rechecks.Load()
	if err := c.access(ctx, room); err != nil {
		return err
	}
	if err := c.enter(ctx, room); err != nil {
		return err
	}
	// A recheck that ran meanwhile did not see this socket in the room.
	if c.hub.rechecks.Load() != seen {
		if err := c.access(ctx, room); err != nil {
			c.drop(room)
			return err
		}
	}
	if kind, _, _ := splitRoom(room); kind != "user" && !c.hub.crowd(room) {
		go c.hub.announceIn(room, c.UserID)
	}
	if joined := c.hub.kind(room).Joined; joined != nil {
		joined(ctx, c, room)
	}
	return nil
}

// access checks c may be in room, counting a refusal as a violation.
func (c *Conn) access(ctx context.Context, room string) error {
	err := c.hub.access(ctx, c, room)
	if refused(err) {
		c.violation()
	}
	return err
}

// enter puts c in room without checking access (its own user room).
func (c *Conn) enter(ctx context.Context, room string) error {
	if err := c.hub.addMember(ctx, room, c); err != nil {
		return err
	}
	c.mu.Lock()
	c.rooms = append(c.rooms, room)
	c.mu.Unlock()
	return nil
}

// joined returns the rooms c is in.
func (c *Conn) joined() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.rooms)
}

// In reports whether c is in room: a feature's frame that speaks in a
// room only from inside it.
func (c *Conn) In(room string) bool { return slices.Contains(c.joined(), room) }

// Leave takes c out of room: leave_room, or a feature's frame.
func (c *Conn) Leave(room string) error {
	if room == UserRoom(c.UserID) {
		return models.FieldError("room", "the user room cannot be left")
	}
	if !c.drop(room) {
		return models.FieldError("room", "not in room %q", room)
	}
	return nil
}

func (c *Conn) typing(ctx context.Context, f Frame) error {
	if !slices.Contains(c.joined(), f.Room) {
		return models.FieldError("room", "join the room first")
	}
	if c.hub.crowd(f.Room) {
		return models.FieldError("room", "typing is not shared in this room")
	}
	typ := EventTypingStart
	if f.Type == "typing_stop" {
		typ = EventTypingStop
	}
	return c.hub.Ephemeral(ctx, f.Room, typ.Of(Typing{UserID: c.UserID}))
}

// allow takes a token of the class's bucket.
func (c *Conn) allow(class RateClass) error {
	if class == RateNone {
		return nil
	}
	c.mu.Lock()
	l := c.limits[class]
	if l == nil { // made on first use: idle sockets carry no buckets
		r := rates[class]
		l = rate.NewLimiter(rate.Every(r.every), r.burst)
		c.limits[class] = l
	}
	c.mu.Unlock()
	if l.Allow() {
		return nil
	}
	c.violation()
	return models.Errorf(models.CodeRateLimited, "slow down")
}

// refused reports whether err refuses what the client asked (not a
// failure of the server's).
func refused(err error) bool {
	code := models.ErrorCode(err)
	return err != nil && code != models.CodeInternal && code != models.CodeUnavailable
}

// violation counts abuse; past maxViolations the socket is closed.
func (c *Conn) violation() {
	c.mu.Lock()
	c.violations++
	n := c.violations
	c.mu.Unlock()
	if n >= maxViolations {
		c.abort(CloseFlooding, "too many invalid or rate-limited frames")
	}
}

// Send sends ev to this socket alone, framed as an event of room without
// a seq: what a kind's Joined hook tells a socket that just joined. It
// does not coalesce, so it never replaces a newer frame of the room.
func (c *Conn) Send(room string, ev Event) error {
	tail, err := encodeEvent(room, ev)
	if err != nil {
		return err
	}
	c.enqueue(textFrame(withHeader(0, time.Now().UnixMilli(), tail)))
	return nil
}

// send queues a frame for this socket only.
func (c *Conn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.hub.log.Error("encode frame", "error", err)
		return
	}
	c.enqueue(textFrame(b))
}

// enqueue adds a frame to the send queue, starting the writer if it is not
// running. A queue at its bound means the client cannot keep up: it is cut
// off, and nobody else waits for it.
func (c *Conn) enqueue(frame []byte) { c.enqueueKeyed(frame, "") }

// enqueueKeyed is enqueue for a frame of a coalescing event (key not
// empty, see Hub.Coalesce): it replaces the frame of the same key still
// waiting in the queue, so a stream of them never fills it.
func (c *Conn) enqueueKeyed(frame []byte, key string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if i, ok := c.pending[key]; ok && key != "" {
		c.queue[i] = frame // the writer is running: it takes the queue later
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.hub.opts.SendQueue {
		c.mu.Unlock()
		go c.abort(CloseSlowConsumer, "too slow to keep up")
		return
	}
	if key != "" {
		if c.pending == nil {
			c.pending = map[string]int{}
		}
		c.pending[key] = len(c.queue)
	}
	c.queue = append(c.queue, frame)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// flush writes everything queued, many frames per system call.
func (c *Conn) flush() {
	for {
		c.mu.Lock()
		batch := c.queue
		if len(batch) == 0 || c.closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.queue = c.spare[:0]
		clear(c.pending) // what was waiting is on its way
		c.mu.Unlock()

		c.wmu.Lock()
		if c.isClosed() { // aborted meanwhile: the socket may already be gone
			c.wmu.Unlock()
			return
		}
		_ = c.net.SetWriteDeadline(time.Now().Add(writeTimeout))
		bufs := net.Buffers(batch)
		_, err := bufs.WriteTo(c.net)
		c.wmu.Unlock()
		if err != nil {
			c.abort(CloseSlowConsumer, "")
			return
		}
		clear(batch)
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()
	}
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// abort closes the socket with code, once: a blocked write is cut short,
// the close frame goes out if the socket still takes it.
func (c *Conn) abort(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.queue = nil
	c.amu.Lock() // taken before mu is let go: Serve cannot return mid-abort
	c.mu.Unlock()
	defer c.amu.Unlock()
	c.cancel()
	c.hub.metrics.disconnects.WithLabelValues(strconv.Itoa(code)).Inc()
	if code == CloseSlowConsumer || code == CloseGoingAway {
		// Cut short a writer stuck on a full socket; a frame may be cut
		// in half, which a client that stopped reading will not see.
		_ = c.net.SetWriteDeadline(time.Now())
	}
	c.wmu.Lock() // otherwise the batch in flight ends first, then the close frame
	_ = c.net.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.net.Write(closeFrame(code, reason))
	c.wmu.Unlock()
	// The hijacked connection is closed by fasthttp when Serve returns (its
	// Close is a no-op), so wake the reader up to return.
	_ = c.net.SetReadDeadline(time.Now())
	_ = c.net.Close()
}

// cleanup runs when the reader returns: leave every room, go offline.
func (c *Conn) cleanup() {
	c.abort(CloseNormal, "")
	c.mu.Lock()
	joined := c.rooms
	c.rooms = nil
	c.mu.Unlock()
	var rooms []string // told of the user going offline
	for _, room := range joined {
		c.hub.removeMember(room, c)
		if kind, _, _ := splitRoom(room); kind != "user" && !c.hub.crowd(room) {
			rooms = append(rooms, room)
		}
	}
	h := c.hub
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.metrics.conns.Dec()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	last, err := h.presence.Disconnect(ctx, c.UserID, c.ID)
	if err != nil {
		h.log.Warn("presence disconnect failed", "error", err)
	}
	if last {
		h.announce(c.UserID, "offline", rooms)
	}
}
