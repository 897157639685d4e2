package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// MembershipHistory returns the movements of the artist's memberships
// before until, in time order.
func (s *Store) MembershipHistory(ctx context.Context, artistID uuid.UUID, until time.Time) ([]models.MembershipEvent, error) {
	var out []models.MembershipEvent
	err := s.DB(ctx).Where("artist_id = ? AND at < ?", artistID, until).Order("at, id").Find(&out).Error
	return out, err
}
