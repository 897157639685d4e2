package store

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// Club returns an artist's fan club; an artist who never set one up has
// the catalogue's defaults.
func (s *Store) Club(ctx context.Context, artistID uuid.UUID) (*models.FanClub, error) {
	c, err := first[models.FanClub](s.DB(ctx).Where("artist_id = ?", artistID))
	if errors.Is(err, models.ErrNotFound) {
		return &models.FanClub{ArtistID: artistID, Milestones: []models.ClubMilestone{}}, nil
	}
	return c, err
}

// SaveClub writes the whole club.
func (s *Store) SaveClub(ctx context.Context, c *models.FanClub) error {
	return s.DB(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(c).Error
}

// TierCount is how many live members a tier has.
type TierCount struct {
	Tier  models.Tier
	Count int64
}

// MemberCounts counts an artist's members whose membership still gives its tier.
func (s *Store) MemberCounts(ctx context.Context, artistID uuid.UUID) ([]TierCount, error) {
	var out []TierCount
	err := s.DB(ctx).Model(&models.Subscription{}).Select("tier, count(*) AS count").
		Where("artist_id = ? AND status IN ?", artistID, models.GrantingStatuses).Group("tier").Scan(&out).Error
	return out, err
}
