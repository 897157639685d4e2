package realtime

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/fanfare/fanfare/models"
)

// Options size the hub.
type Options struct {
	MaxConnsPerUser int // live sockets per user, across instances
	MaxRoomsPerConn int
	SendQueue       int           // frames waiting for one socket before it is cut off
	PingInterval    time.Duration // 0: PingInterval; at most PingInterval (presence expiry is built on it)
	PongTimeout     time.Duration // 0: PongTimeout
}

// Hub is one api instance's side of the real-time layer: its sockets, the
// rooms they are in, and the broker and presence shared with other instances.
type Hub struct {
	Publisher
	presence Presence
	Tickets  Tickets
	opts     Options
	log      *slog.Logger
	metrics  *hubMetrics

	kinds    map[string]Kind
	handlers map[string]handlerEntry
	contacts Contacts

	rechecks atomic.Uint64 // access rechecks begun (recheck.go)

	countMu  sync.Mutex
	changed  map[string]struct{} // crowd rooms whose count is to be announced
	counting bool                // an announcement is scheduled

	mu    sync.RWMutex
	rooms map[string]map[*Conn]struct{} // local members of each room
	conns map[*Conn]struct{}
	subMu sync.Mutex // orders broker subscribe/unsubscribe calls

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type handlerEntry struct {
	fn   Handler
	rate RateClass
}

// NewHub builds the hub on Redis when rdb is set (several api instances),
// else on the in-memory broker and presence (one instance).
func NewHub(rdb *redis.Client, prefix string, opts Options, reg prometheus.Registerer, log *slog.Logger) *Hub {
	opts.PingInterval = cmp.Or(min(opts.PingInterval, PingInterval), PingInterval)
	opts.PongTimeout = cmp.Or(opts.PongTimeout, PongTimeout)
	h := &Hub{
		opts:     opts,
		log:      log,
		metrics:  newHubMetrics(reg),
		kinds:    map[string]Kind{"user": {Access: userRoomAccess}},
		handlers: map[string]handlerEntry{},
		changed:  map[string]struct{}{},
		rooms:    map[string]map[*Conn]struct{}{},
		conns:    map[*Conn]struct{}{},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if rdb != nil {
		h.broker = NewRedisBroker(rdb, prefix, h.deliver)
		h.presence = NewRedisPresence(rdb, prefix)
		h.Tickets = NewRedisTickets(rdb, prefix)
	} else {
		h.broker = NewMemoryBroker(h.deliver)
		h.presence = NewMemoryPresence()
		h.Tickets = NewMemoryTickets()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// On failure the Redis client subscribes again when it reconnects.
	if err := h.broker.Subscribe(ctx, controlRoom); err != nil {
		log.Error("subscribe to the control room failed", "error", err)
	}
	go h.heartbeat()
	return h
}

// RoomKind registers a room kind ("party", "conversation", …): who may
// join, and whether it is a crowd room.
func (h *Hub) RoomKind(name string, kind Kind) { h.kinds[name] = kind }

// crowd reports whether room is of a crowd kind.
func (h *Hub) crowd(room string) bool {
	kind, _, _ := splitRoom(room)
	return h.kinds[kind].Crowd
}

// Handle registers a client frame type, its handler and its rate class.
func (h *Hub) Handle(frameType string, rate RateClass, fn Handler) {
	h.handlers[frameType] = handlerEntry{fn: fn, rate: rate}
}

// SetContacts sets who is told of a user's online/offline changes.
func (h *Hub) SetContacts(fn Contacts) { h.contacts = fn }

// Presence reports which users are online.
func (h *Hub) Presence(ctx context.Context, userIDs []string) (map[string]bool, error) {
	return h.presence.Online(ctx, userIDs)
}

// Close disconnects every socket and stops the hub; later calls do nothing.
func (h *Hub) Close() (err error) {
	h.closeOnce.Do(func() { err = h.close() })
	return err
}

func (h *Hub) close() error {
	close(h.stop)
	<-h.done
	h.mu.RLock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.RUnlock()
	for _, c := range conns {
		c.abort(CloseGoingAway, "server going away")
	}
	return h.broker.Close()
}

// deliver frames an event once and queues it on every local member.
func (h *Hub) deliver(room string, payload []byte) {
	if room == controlRoom {
		go h.control(payload)
		return
	}
	frame := textFrame(payload)
	h.mu.RLock()
	n := 0
	for c := range h.rooms[room] {
		c.enqueue(frame)
		n++
	}
	h.mu.RUnlock()
	h.metrics.delivered.Add(float64(n))
}

func (h *Hub) access(ctx context.Context, c *Conn, room string) error {
	kind, id, ok := splitRoom(room)
	if !ok {
		return models.FieldError("room", "room must look like kind:id")
	}
	check := h.kinds[kind].Access
	if check == nil {
		return models.FieldError("room", "unknown room kind %q", kind)
	}
	return check(ctx, c.UserID, c.Role, id)
}

// addMember puts c in room, subscribing this instance on the first member.
func (h *Hub) addMember(ctx context.Context, room string, c *Conn) error {
	if err := h.subscribe(ctx, room, c); err != nil {
		return err
	}
	if h.crowd(room) {
		if err := h.presence.Enter(ctx, room, c.ID); err != nil {
			h.log.Warn("crowd count not updated", "room", room, "error", err)
		}
		h.recount(room)
	}
	return nil
}

func (h *Hub) subscribe(ctx context.Context, room string, c *Conn) error {
	h.subMu.Lock()
	defer h.subMu.Unlock()
	h.mu.Lock()
	members, exists := h.rooms[room]
	if !exists {
		members = map[*Conn]struct{}{}
		h.rooms[room] = members
	}
	members[c] = struct{}{}
	h.mu.Unlock()
	if exists {
		return nil
	}
	h.metrics.rooms.Inc()
	if err := h.broker.Subscribe(ctx, room); err != nil {
		h.mu.Lock()
		delete(h.rooms, room)
		h.mu.Unlock()
		h.metrics.rooms.Dec()
		return fmt.Errorf("subscribe %s: %w", room, err)
	}
	return nil
}

// removeMember takes c out of room, unsubscribing after the last member.
func (h *Hub) removeMember(room string, c *Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.unsubscribe(ctx, room, c)
	if h.crowd(room) {
		if err := h.presence.Leave(ctx, room, c.ID); err != nil {
			h.log.Warn("crowd count not updated", "room", room, "error", err)
		}
		h.recount(room)
	}
}

func (h *Hub) unsubscribe(ctx context.Context, room string, c *Conn) {
	h.subMu.Lock()
	defer h.subMu.Unlock()
	h.mu.Lock()
	members := h.rooms[room]
	delete(members, c)
	empty := members != nil && len(members) == 0
	if empty {
		delete(h.rooms, room)
	}
	h.mu.Unlock()
	if empty {
		h.metrics.rooms.Dec()
		if err := h.broker.Unsubscribe(ctx, room); err != nil {
			h.log.Warn("unsubscribe failed", "room", room, "error", err)
		}
	}
}

// heartbeat pings every socket and refreshes their presence each interval.
func (h *Hub) heartbeat() {
	defer close(h.done)
	t := time.NewTicker(h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		users, crowds := map[string][]string{}, map[string][]string{}
		h.mu.RLock()
		for c := range h.conns {
			c.enqueue(pingFrame)
			users[c.UserID] = append(users[c.UserID], c.ID)
			for _, room := range c.joined() {
				if h.crowd(room) {
					crowds[room] = append(crowds[room], c.ID)
				}
			}
		}
		h.mu.RUnlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := h.presence.Refresh(ctx, users, crowds); err != nil {
			h.log.Warn("presence refresh failed", "error", err)
		}
		cancel()
	}
}

// announce tells rooms and contacts that a user went online or offline.
func (h *Hub) announce(userID, status string, rooms []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := Event{Type: "presence", Data: map[string]string{"user_id": userID, "status": status}}
	targets := rooms
	if h.contacts != nil {
		contacts, err := h.contacts(ctx, userID)
		if err != nil {
			h.log.Warn("contacts lookup failed", "user_id", userID, "error", err)
		}
		for _, id := range contacts {
			targets = append(targets, UserRoom(id))
		}
	}
	for _, room := range targets {
		if err := h.Ephemeral(ctx, room, ev); err != nil {
			h.log.Warn("presence publish failed", "room", room, "error", err)
		}
	}
}

type hubMetrics struct {
	conns       prometheus.Gauge
	rooms       prometheus.Gauge
	delivered   prometheus.Counter
	disconnects *prometheus.CounterVec
}

func newHubMetrics(reg prometheus.Registerer) *hubMetrics {
	m := &hubMetrics{
		conns:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "fanfare_ws_connections", Help: "Open WebSockets on this instance."}),
		rooms:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "fanfare_ws_rooms", Help: "Rooms with members on this instance."}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "fanfare_ws_frames_queued_total", Help: "Room frames queued to local sockets."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fanfare_ws_disconnects_total", Help: "Sockets closed, by close code.",
		}, []string{"code"}),
	}
	reg.MustRegister(m.conns, m.rooms, m.delivered, m.disconnects)
	return m
}

// announceIn tells a room that a member is there.
func (h *Hub) announceIn(room, userID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := Event{Type: "presence", Data: map[string]string{"user_id": userID, "status": "online"}}
	if err := h.Ephemeral(ctx, room, ev); err != nil {
		h.log.Warn("presence publish failed", "room", room, "error", err)
	}
}
