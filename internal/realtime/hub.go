package realtime

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	roster   Roster
	Tickets  Tickets
	opts     Options
	log      *slog.Logger
	metrics  *hubMetrics

	reg      sync.RWMutex // guards kinds, handlers and contacts, set by features at start
	kinds    map[string]Kind
	handlers map[string]handlerEntry
	contacts Contacts

	coalescing atomic.Pointer[[]string] // event types whose queued frames coalesce, set at start

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
		h.roster = NewRedisRoster(rdb, prefix, rosterTTL(opts))
		h.Tickets = NewRedisTickets(rdb, prefix)
	} else {
		h.broker = NewMemoryBroker(h.deliver)
		h.presence = NewMemoryPresence()
		h.roster = NewMemoryRoster(rosterTTL(opts))
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
// join, whether it is a crowd room, and its join and leave hooks. A
// feature registers its kinds once, before the api serves; registering a
// kind twice is a programming error and panics.
func (h *Hub) RoomKind(name string, kind Kind) {
	h.reg.Lock()
	defer h.reg.Unlock()
	if _, ok := h.kinds[name]; ok || name == "" || strings.Contains(name, ":") {
		panic(fmt.Sprintf("realtime: room kind %q registered twice or malformed", name))
	}
	h.kinds[name] = kind
}

// kind returns the registered kind of room (the zero Kind for none).
func (h *Hub) kind(room string) Kind {
	name, _, _ := splitRoom(room)
	h.reg.RLock()
	defer h.reg.RUnlock()
	return h.kinds[name]
}

// crowd reports whether room is of a crowd kind.
func (h *Hub) crowd(room string) bool {
	return h.kind(room).Crowd
}

// builtin frame types are served by Conn itself.
var builtin = []string{"ping", "join_room", "leave_room", "typing_start", "typing_stop"}

// Handle registers a client frame type, its handler and its rate class.
// Registering a type twice, or a built-in one, panics.
func (h *Hub) Handle(frameType string, rate RateClass, fn Handler) {
	h.reg.Lock()
	defer h.reg.Unlock()
	if _, ok := h.handlers[frameType]; ok || slices.Contains(builtin, frameType) {
		panic(fmt.Sprintf("realtime: frame type %q registered twice or built in", frameType))
	}
	h.handlers[frameType] = handlerEntry{fn: fn, rate: rate}
}

func (h *Hub) handler(frameType string) (handlerEntry, bool) {
	h.reg.RLock()
	defer h.reg.RUnlock()
	e, ok := h.handlers[frameType]
	return e, ok
}

// Coalesce makes queued frames of an event type coalesce: a socket's
// queue holds at most one per room, the latest, as for a state that each
// frame replaces (party:sync). Only for ephemeral events: the frames
// replaced would be holes in the room's seq.
func (h *Hub) Coalesce(eventType string) {
	h.reg.Lock()
	defer h.reg.Unlock()
	var types []string
	if cur := h.coalescing.Load(); cur != nil {
		types = slices.Clone(*cur)
	}
	types = append(types, eventType)
	h.coalescing.Store(&types)
}

// coalesceKey is the key a frame of room coalesces under, "" for an
// event type that does not coalesce.
func (h *Hub) coalesceKey(room string, payload []byte) string {
	types := h.coalescing.Load()
	if types == nil {
		return ""
	}
	_, rest, ok := bytes.Cut(payload, []byte(`"type":"`))
	if !ok {
		return ""
	}
	typ, _, _ := bytes.Cut(rest, []byte(`"`))
	for _, t := range *types {
		if string(typ) == t {
			return room + "\x00" + t
		}
	}
	return ""
}

// SetContacts sets who is told of a user's online/offline changes.
func (h *Hub) SetContacts(fn Contacts) {
	h.reg.Lock()
	defer h.reg.Unlock()
	h.contacts = fn
}

// Presence reports which users are online.
func (h *Hub) Presence(ctx context.Context, userIDs []string) (map[string]bool, error) {
	return h.presence.Online(ctx, userIDs)
}

// Claim reports whether this instance may send room's periodic event now:
// true for one caller per interval across every instance, as crowd counts
// are announced (a room kind's feature names the room it ticks).
func (h *Hub) Claim(ctx context.Context, room string, interval time.Duration) (bool, error) {
	return h.presence.Claim(ctx, room, interval)
}

// LocalRooms lists the ids of the rooms of kind that sockets of this
// instance are in: what a feature that ticks its rooms has to tick here.
func (h *Hub) LocalRooms(kind string) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var ids []string
	for room := range h.rooms {
		if k, id, _ := splitRoom(room); k == kind {
			ids = append(ids, id)
		}
	}
	return ids
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
	frame, key := textFrame(payload), h.coalesceKey(room, payload)
	h.mu.RLock()
	n := 0
	for c := range h.rooms[room] {
		c.enqueueKeyed(frame, key)
		n++
	}
	h.mu.RUnlock()
	h.metrics.delivered.Add(float64(n))
}

func (h *Hub) access(ctx context.Context, c *Conn, room string) error {
	name, id, ok := splitRoom(room)
	if !ok {
		return models.FieldError("room", "room must look like kind:id")
	}
	kind := h.kind(room)
	if kind.Access == nil {
		return models.FieldError("room", "unknown room kind %q", name)
	}
	return kind.Access(ctx, c.UserID, c.Role, id)
}

// addMember puts c in room, subscribing this instance on the first member;
// a hooked kind's Join may refuse it.
func (h *Hub) addMember(ctx context.Context, room string, c *Conn) error {
	kind := h.kind(room)
	m := Member{Room: room, ConnID: c.ID, UserID: c.UserID}
	if kind.hooked() {
		// Recorded before Join: an instance that dies after Join still
		// leaves an entry whose expiry tells Leave.
		if err := h.roster.Add(ctx, m); err != nil {
			return fmt.Errorf("roster %s: %w", room, err)
		}
		if kind.Join != nil {
			if err := kind.Join(ctx, m); err != nil {
				if _, rerr := h.roster.Remove(ctx, m); rerr != nil {
					h.log.Warn("roster entry of a refused join not removed", "room", room, "error", rerr)
				}
				return err
			}
		}
	}
	if err := h.subscribe(ctx, room, c); err != nil {
		h.release(kind, m)
		return err
	}
	if kind.Crowd {
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
	kind := h.kind(room)
	if kind.Crowd {
		if err := h.presence.Leave(ctx, room, c.ID); err != nil {
			h.log.Warn("crowd count not updated", "room", room, "error", err)
		}
		h.recount(room)
	}
	if kind.hooked() {
		h.release(kind, Member{Room: room, ConnID: c.ID, UserID: c.UserID})
	}
}

// release takes m off the roster and tells the kind's Leave, unless
// another instance found the entry expired first (and told it).
func (h *Hub) release(kind Kind, m Member) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	removed, err := h.roster.Remove(ctx, m)
	if err != nil { // the entry expires, and an instance's sweep tells Leave
		h.log.Warn("roster entry not removed", "room", m.Room, "error", err)
	}
	if removed && kind.Leave != nil {
		kind.Leave(ctx, m)
	}
}

// sweepBatch bounds one roster read.
const sweepBatch = 100

// sweep tells the leave hooks of the members whose instance stopped
// refreshing them.
func (h *Hub) sweep(ctx context.Context) {
	h.reg.RLock()
	hooked := map[string]Kind{}
	for name, k := range h.kinds {
		if k.hooked() {
			hooked[name] = k
		}
	}
	h.reg.RUnlock()
	for name, kind := range hooked {
		for {
			gone, err := h.roster.Expired(ctx, name, sweepBatch)
			if err != nil {
				h.log.Warn("roster sweep failed", "kind", name, "error", err)
				break
			}
			for _, m := range gone {
				if kind.Leave != nil {
					kind.Leave(ctx, m)
				}
			}
			if len(gone) < sweepBatch {
				break
			}
		}
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
		var members []Member // of hooked rooms
		h.mu.RLock()
		for c := range h.conns {
			c.enqueue(pingFrame)
			users[c.UserID] = append(users[c.UserID], c.ID)
			for _, room := range c.joined() {
				kind := h.kind(room)
				if kind.Crowd {
					crowds[room] = append(crowds[room], c.ID)
				}
				if kind.hooked() {
					members = append(members, Member{Room: room, ConnID: c.ID, UserID: c.UserID})
				}
			}
		}
		h.mu.RUnlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := h.presence.Refresh(ctx, users, crowds); err != nil {
			h.log.Warn("presence refresh failed", "error", err)
		}
		if err := h.roster.Refresh(ctx, members); err != nil {
			h.log.Warn("roster refresh failed", "error", err)
		}
		h.sweep(ctx)
		cancel()
	}
}

// announce tells rooms and contacts that a user went online or offline.
func (h *Hub) announce(userID, status string, rooms []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := EventPresence.Of(PresenceChange{UserID: userID, Status: status})
	targets := rooms
	h.reg.RLock()
	contactsOf := h.contacts
	h.reg.RUnlock()
	if contactsOf != nil {
		contacts, err := contactsOf(ctx, userID)
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
	ev := EventPresence.Of(PresenceChange{UserID: userID, Status: "online"})
	if err := h.Ephemeral(ctx, room, ev); err != nil {
		h.log.Warn("presence publish failed", "room", room, "error", err)
	}
}
