package store

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// ErrPushTaken answers a registration of an endpoint another account holds.
var ErrPushTaken = models.Errorf(models.CodeConflict,
	"this push subscription is registered to another account: unsubscribe it in the browser and subscribe again")

// SavePushSubscription stores a browser's subscription. An endpoint stays
// with the user who registered it first: the same user again replaces its
// keys, another user gets ErrPushTaken and the row is left as it was. A
// user keeps at most max subscriptions; a new one beyond that replaces
// their oldest (browsers rotate endpoints, so refusing would leave the user
// with dead ones).
func (s *Store) SavePushSubscription(ctx context.Context, p *models.PushSubscription, max int) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres { // one user's registrations take turns, so the cap holds
			if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", p.UserID).Error; err != nil {
				return err
			}
		}
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "endpoint"}},
			DoUpdates: clause.AssignmentColumns([]string{"p256dh", "auth"}),
			Where:     clause.Where{Exprs: []clause.Expression{clause.Eq{Column: "push_subscriptions.user_id", Value: p.UserID}}},
		}).Create(p)
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected == 0:
			return ErrPushTaken
		}
		return tx.Exec(`DELETE FROM push_subscriptions WHERE user_id = ? AND id NOT IN
			(SELECT id FROM push_subscriptions WHERE user_id = ? ORDER BY id DESC LIMIT ?)`, p.UserID, p.UserID, max).Error
	})
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

// PushSubscriptionsOf returns the subscriptions of many users, in one query.
func (s *Store) PushSubscriptionsOf(ctx context.Context, userIDs []uuid.UUID) ([]models.PushSubscription, error) {
	var out []models.PushSubscription
	return out, s.DB(ctx).Where("user_id IN ?", userIDs).Find(&out).Error
}
