package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// The virtual backstage: the backstage:{artistID} room, a perk of a tier.
// A membership change that ends the perk rechecks the room
// (activities.Membership).
func (s *Server) backstageRealtime(h *realtime.Hub) {
	h.RoomKind("backstage", realtime.Kind{Access: s.backstageAccess})
}

// backstageAccess: the artist, admins, and fans whose tier has the perk.
func (s *Server) backstageAccess(ctx context.Context, userID string, role models.Role, id string) error {
	artistID, err := uuid.Parse(id)
	if err != nil {
		return models.ErrNotFound
	}
	user, err := uuid.Parse(userID)
	if err != nil {
		return models.ErrForbidden
	}
	tier, err := s.Store.TierOf(ctx, artistID, user)
	if err != nil {
		return err
	}
	if !models.CanAccess(models.Viewer{UserID: user, Role: role, Tier: tier}, models.Resource{Kind: models.ResourceBackstage, ArtistID: artistID}, s.Auth.Now()) {
		return models.Errorf(models.CodeForbidden, "the backstage is for superfans")
	}
	return nil
}
