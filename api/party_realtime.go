package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Parties' real-time side: the party:{partyID} room, its frames and
// events (docs/realtime.md). Access here is what join_room alone may
// reach: a public party, or a private one the user hosts, RSVP'd to or
// was admitted to with its code, at the user's tier, while it is
// scheduled or live, unless a host kicked or banned them. The room is a
// crowd room (up to 500 listeners: a count, not each arrival) whose Join
// and Leave hooks hold its seats (party_seats.go).

func (s *Server) partyRealtime(h *realtime.Hub) {
	if s.Redis != nil {
		s.seats = realtime.NewRedisSeats(s.Redis, s.Config.RedisPrefix)
	} else {
		s.seats = realtime.NewMemorySeats()
	}
	s.rosters = newPartyRosters(func(ctx context.Context, id uuid.UUID, b models.PartyRoster) error {
		return s.parties().Roster(ctx, id, b)
	}, func() time.Time { return s.Auth.Now() }, s.Log)
	h.RoomKind("party", realtime.Kind{Access: s.partyRoomAccess, Crowd: true, Join: s.takePartySeat, Leave: s.leavePartySeat, Joined: s.partyJoined})
	h.Handle("party:join", realtime.RateRooms, s.partyJoinFrame)
	h.Handle("party:leave", realtime.RateRooms, s.partyLeaveFrame)
	h.Handle("party:kick", realtime.RateChat, s.partyRemoveFrame(false))
	h.Handle("party:ban", realtime.RateChat, s.partyRemoveFrame(true))
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
	return s.partyEntry(ctx, p, user, role, "")
}
