package store

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// SavePushSubscription stores a subscription; the same endpoint again
// (new keys, or another user on the browser) replaces the old one.
func (s *Store) SavePushSubscription(ctx context.Context, p *models.PushSubscription) error {
	return s.DB(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "endpoint"}},
		DoUpdates: clause.AssignmentColumns([]string{"user_id", "p256dh", "auth"}),
	}).Create(p).Error
}

// DeletePushSubscription removes the user's subscription of an endpoint.
func (s *Store) DeletePushSubscription(ctx context.Context, userID uuid.UUID, endpoint string) (bool, error) {
	res := s.DB(ctx).Where("user_id = ? AND endpoint = ?", userID, endpoint).Delete(&models.PushSubscription{})
	return res.RowsAffected > 0, res.Error
}

// DeletePushEndpoint removes an endpoint the push service says is gone.
func (s *Store) DeletePushEndpoint(ctx context.Context, endpoint string) error {
	return s.DB(ctx).Where("endpoint = ?", endpoint).Delete(&models.PushSubscription{}).Error
}

// PushSubscriptions returns a user's subscriptions.
func (s *Store) PushSubscriptions(ctx context.Context, userID uuid.UUID) ([]models.PushSubscription, error) {
	var out []models.PushSubscription
	return out, s.DB(ctx).Where("user_id = ?", userID).Find(&out).Error
}
