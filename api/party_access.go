package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Access to a party narrows when its artist raises its tier or makes it
// private, removes a co-host, rotates the invite code or clears an
// admission, blocks a fan, or when a membership ends or drops a tier
// (activities.Membership.Record). Each asks every api instance to take
// whoever may no longer be in the room out of it, with room_left.

// narrowed reports whether an edit from before to after can shut out
// someone the party let in.
func narrowed(before, after *models.Party) bool {
	return after.Private && !before.Private || after.MinTier.Rank() > before.MinTier.Rank()
}

// recheckParty has every instance check the sockets in a party's room
// (only user's unless uuid.Nil) against the party's access rule again. The
// change is stored by then: a lost recheck is logged, not answered as a
// failure of the change.
func (s *Server) recheckParty(ctx context.Context, partyID, user uuid.UUID, reason string) {
	who := ""
	if user != uuid.Nil {
		who = user.String()
	}
	if err := s.Hub.Recheck(ctx, realtime.PartyRoom(partyID.String()), who, reason); err != nil {
		s.Log.WarnContext(ctx, "party room not rechecked", "party", partyID, "error", err)
	}
}

// recheckArtistParties rechecks user in every open party of artist.
func (s *Server) recheckArtistParties(ctx context.Context, artist, user uuid.UUID, reason string) {
	ids, err := s.Store.OpenParties(ctx, artist)
	if err != nil {
		s.Log.WarnContext(ctx, "party rooms not rechecked", "artist", artist, "error", err)
		return
	}
	for _, id := range ids {
		s.recheckParty(ctx, id, user, reason)
	}
}
