package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Parties' real-time side: the party:{partyID} room, its frames and
// events (docs/realtime.md). Access here is what join_room alone may
// reach: a public party, or a private one the user hosts or RSVP'd to,
// at the user's tier, while it is scheduled or live.

func (s *Server) partyRealtime(h *realtime.Hub) {
	h.RoomKind("party", realtime.Kind{Access: s.partyRoomAccess, Joined: s.partyJoined})
}

// partyRoomAccess is the party room's Access rule.
func (s *Server) partyRoomAccess(ctx context.Context, userID string, role models.Role, id string) error {
	partyID, err := uuid.Parse(id)
	if err != nil {
		return models.ErrNotFound
	}
	user, err := uuid.Parse(userID)
	if err != nil {
		return models.ErrForbidden
	}
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return err
	}
	if p.Private && !p.Hosts(user) && role != models.RoleAdmin {
		counts, err := s.Store.RSVPCounts(ctx, []uuid.UUID{p.ID}, user)
		if err != nil {
			return err
		}
		if !counts[p.ID].Mine {
			return models.ErrNotFound
		}
	}
	if !p.Status.Open() {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	tier, err := s.Store.TierOf(ctx, p.ArtistID, user)
	if err != nil {
		return err
	}
	v, now := models.Viewer{UserID: user, Role: role, Tier: tier}, s.Auth.Now()
	if !models.CanAccess(v, p.Resource(), now) {
		return models.Locked(v, p.Resource(), now)
	}
	return nil
}
