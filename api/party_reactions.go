package api

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// A party's reactions: taps from sockets in its room are counted on each
// instance and fanned out as one party:reactions aggregate per party and
// window, never one event per tap. Each instance sends its own aggregate.
const eventPartyReactions realtime.EventType[partyReactions] = "party:reactions"

// reactionWindow is how long an instance collects taps before it sends
// them: a few aggregates a second.
const reactionWindow = 250 * time.Millisecond

// partyEmoji is the reactions' allow-list.
var partyEmoji = []string{"🔥", "❤️", "👏", "😂", "😮", "🎉", "💯", "🙌"}

type partyReactions struct {
	Counts   map[string]int64 `json:"counts"`
	PartyID  string           `json:"party_id"`
	WindowMs int64            `json:"window_ms"`
}

type partyReactionRequest struct {
	PartyID string `json:"party_id" validate:"required,uuid"`
	Emoji   string `json:"emoji" validate:"max=32"`
}

// reactionTally collects one instance's taps until its window ends. A
// timer runs only while there are taps to send.
type reactionTally struct {
	s      *Server
	mu     sync.Mutex
	counts map[uuid.UUID]map[string]int64
	fans   map[uuid.UUID]map[uuid.UUID]int64 // party → fan → taps: each fan's engagement
}

func (s *Server) partyReactions(h *realtime.Hub) {
	t := &reactionTally{s: s}
	h.Handle("party:reaction", realtime.RateReaction, t.frame)
}

// frame: {party_id, emoji} from a socket in the party's room; acks with
// nothing, the tap arrives in the next aggregate.
func (t *reactionTally) frame(_ context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partyReactionRequest](f.Data)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(partyEmoji, req.Emoji) {
		return nil, models.FieldError("emoji", "emoji must be one of %s", strings.Join(partyEmoji, " "))
	}
	partyID := uuid.MustParse(req.PartyID) // validated
	if !c.In(realtime.PartyRoom(partyID.String())) {
		return nil, models.Errorf(models.CodeForbidden, "join the party's room to react")
	}
	t.add(partyID, uuid.MustParse(c.UserID), req.Emoji) // a signed-in socket's user id
	return nil, nil
}

func (t *reactionTally) add(partyID, userID uuid.UUID, emoji string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[uuid.UUID]map[string]int64{}
		t.fans = map[uuid.UUID]map[uuid.UUID]int64{}
		time.AfterFunc(reactionWindow, t.flush)
	}
	if t.counts[partyID] == nil {
		t.counts[partyID] = map[string]int64{}
		t.fans[partyID] = map[uuid.UUID]int64{}
	}
	t.counts[partyID][emoji]++
	t.fans[partyID][userID]++
}

// flush sends the window's aggregates and adds them to each party's total.
func (t *reactionTally) flush() {
	t.mu.Lock()
	counts, fans := t.counts, t.fans
	t.counts, t.fans = nil, nil
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for partyID, byEmoji := range counts {
		ev := eventPartyReactions.Of(partyReactions{Counts: byEmoji, PartyID: partyID.String(), WindowMs: reactionWindow.Milliseconds()})
		if err := t.s.Hub.Ephemeral(ctx, realtime.PartyRoom(partyID.String()), ev); err != nil {
			t.s.Log.WarnContext(ctx, "party reactions not published", "party", partyID, "error", err)
		}
		t.s.countPartyReactions(ctx, partyID, fans[partyID])
	}
}

// countPartyReactions adds a window's taps to the party's total, each
// fan's engagement (one transaction per party and window, not per tap)
// and the artist's studio.
func (s *Server) countPartyReactions(ctx context.Context, partyID uuid.UUID, byFan map[uuid.UUID]int64) {
	artist, err := s.Store.AddPartyReactions(ctx, partyID, byFan, s.Auth.Now())
	if err != nil {
		s.Log.WarnContext(ctx, "party reactions not counted", "party", partyID, "error", err)
		return
	}
	var n int64
	for v := range maps.Values(byFan) {
		n += v
	}
	s.countLive(ctx, artist, liveReactions, n)
}
