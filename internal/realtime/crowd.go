package realtime

import (
	"context"
	"time"
)

// A crowd room's members are told how many are there, not who comes and
// goes: an arrival in a room of thousands would otherwise be a frame to
// each of them. Changes are coalesced; each room's count goes out at most
// once a CountInterval across every api instance (Presence.Claim).

// recount notes that a crowd room's count changed.
func (h *Hub) recount(room string) {
	h.countMu.Lock()
	defer h.countMu.Unlock()
	h.changed[room] = struct{}{}
	if !h.counting {
		h.counting = true
		time.AfterFunc(CountInterval, h.announceCounts)
	}
}

// announceCounts sends the count of every changed room; a room another
// instance announced within the interval waits for the next round.
func (h *Hub) announceCounts() {
	select {
	case <-h.stop: // closed meanwhile
		return
	default:
	}
	h.countMu.Lock()
	rooms := h.changed
	h.changed = map[string]struct{}{}
	h.countMu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var later []string
	for room := range rooms {
		sent, err := h.announceCount(ctx, room)
		if err != nil {
			h.log.Warn("crowd count not announced", "room", room, "error", err)
		}
		if !sent {
			later = append(later, room)
		}
	}

	h.countMu.Lock()
	defer h.countMu.Unlock()
	for _, room := range later {
		h.changed[room] = struct{}{}
	}
	h.counting = len(h.changed) > 0
	if h.counting {
		time.AfterFunc(CountInterval, h.announceCounts)
	}
}

func (h *Hub) announceCount(ctx context.Context, room string) (sent bool, err error) {
	if ok, err := h.presence.Claim(ctx, room, CountInterval); !ok || err != nil {
		return false, err
	}
	n, err := h.presence.Count(ctx, room)
	if err != nil {
		return false, err
	}
	return true, h.Ephemeral(ctx, room, EventCount.Of(CrowdCount{Count: n}))
}
