package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/fanfare/fanfare/models"
)

// controlRoom carries instructions from any process to the hubs of every
// api instance. Its name has no "kind:", so no client can join it.
const controlRoom = "hub"

// recheck asks the hubs to check a room's members' access again.
type recheck struct {
	Room   string `json:"room"`
	UserID string `json:"user_id,omitempty"`
	Reason string `json:"reason"`
	Force  bool   `json:"force,omitempty"` // take them out without asking access (Remove)
}

// Reasons given to a socket taken out of a room.
const (
	ReasonBlocked           = "blocked"
	ReasonMembershipChanged = "membership_changed"
	ReasonEnded             = "ended"          // the room's party or session is over
	ReasonAccessChanged     = "access_changed" // its host narrowed who may be there
)

// Recheck asks every api instance to check again whether the sockets in
// room (only userID's, when userID is set) may still be there, and to take
// out those that may not, telling them with a room_left event and reason.
// Call it once the change that ends the access is stored.
func (p Publisher) Recheck(ctx context.Context, room, userID, reason string) error {
	return p.Ephemeral(ctx, controlRoom, Event{Type: "recheck", Data: recheck{Room: room, UserID: userID, Reason: reason}})
}

// Remove asks every api instance to take userID's sockets out of room,
// whatever its access rule says (a user leaving over REST), telling them
// with a room_left event and reason.
func (p Publisher) Remove(ctx context.Context, room, userID, reason string) error {
	return p.Ephemeral(ctx, controlRoom, Event{Type: "recheck", Data: recheck{Room: room, UserID: userID, Reason: reason, Force: true}})
}

// control acts on a control room event; it runs off the broker's receive
// loop, since access checks read the database.
func (h *Hub) control(payload []byte) {
	var ev struct{ Data recheck }
	if err := json.Unmarshal(payload, &ev); err != nil {
		h.log.Warn("bad control event", "error", err)
		return
	}
	r := ev.Data
	h.rechecks.Add(1) // before the members are read: see joinFrame
	h.mu.RLock()
	var conns []*Conn
	for c := range h.rooms[r.Room] {
		if r.UserID == "" || c.UserID == r.UserID {
			conns = append(conns, c)
		}
	}
	h.mu.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range conns {
		if !r.Force && !h.refusedNow(ctx, c, r.Room) {
			continue
		}
		if c.drop(r.Room) {
			c.send(map[string]any{"type": frameRoomLeft, "room": r.Room, "data": map[string]string{"reason": r.Reason}})
		}
	}
}

// refusedNow reports whether room's access rule now refuses c; a check
// that failed (not the access) keeps the socket there.
func (h *Hub) refusedNow(ctx context.Context, c *Conn, room string) bool {
	err := h.access(ctx, c, room)
	switch models.ErrorCode(err) {
	case models.CodeForbidden, models.CodeNotFound:
		return true
	}
	if err != nil {
		h.log.Warn("access recheck failed", "room", room, "error", err)
	}
	return false
}

// drop takes c out of room; it reports whether c was there.
func (c *Conn) drop(room string) bool {
	c.mu.Lock()
	i := slices.Index(c.rooms, room)
	if i >= 0 {
		c.rooms = slices.Delete(c.rooms, i, i+1)
	}
	c.mu.Unlock()
	if i < 0 {
		return false
	}
	c.hub.removeMember(room, c)
	return true
}
