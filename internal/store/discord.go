package store

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// SetDiscordWebhook stores the artist's webhook, replacing the one they had.
func (s *Store) SetDiscordWebhook(ctx context.Context, w *models.DiscordWebhook) error {
	return s.DB(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "artist_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"webhook_id", "token", "channel_id", "updated_at"}),
	}).Create(w).Error
}

// DiscordWebhook returns the artist's webhook, or models.ErrNotFound.
func (s *Store) DiscordWebhook(ctx context.Context, artistID uuid.UUID) (*models.DiscordWebhook, error) {
	return first[models.DiscordWebhook](s.DB(ctx).Where("artist_id = ?", artistID))
}

// DeleteDiscordWebhook forgets the artist's webhook, if any.
func (s *Store) DeleteDiscordWebhook(ctx context.Context, artistID uuid.UUID) error {
	return s.DB(ctx).Where("artist_id = ?", artistID).Delete(&models.DiscordWebhook{}).Error
}

// ClaimDiscordPost records that the announcement under key is being
// posted; false when it already was (or is being) posted.
func (s *Store) ClaimDiscordPost(ctx context.Context, p *models.DiscordPost) (bool, error) {
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(p)
	return res.RowsAffected == 1, res.Error
}

// ReleaseDiscordPost takes back the claim of a post that failed, so a
// retry may post it.
func (s *Store) ReleaseDiscordPost(ctx context.Context, key string) error {
	return s.DB(ctx).Where("key = ?", key).Delete(&models.DiscordPost{}).Error
}
