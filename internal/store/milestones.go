package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// Milestone rows are the outbox of their delivery: written in the act's
// transaction with delivered_at NULL, found here by the dispatcher
// (package engagement), and marked delivered once told.

// PendingMilestones returns fans' milestones not delivered yet whose
// RewardWorkflow was never started or last started before since, oldest
// first.
func (s *Store) PendingMilestones(ctx context.Context, since time.Time, limit int) ([]models.UserMilestone, error) {
	var rows []models.UserMilestone
	err := s.DB(ctx).Where("delivered_at IS NULL AND (dispatched_at IS NULL OR dispatched_at < ?)", since).
		Order("awarded_at, user_id, artist_id, key").Limit(limit).Find(&rows).Error
	return rows, err
}

// MarkMilestoneDispatched records that the milestone's RewardWorkflow was
// started at.
func (s *Store) MarkMilestoneDispatched(ctx context.Context, m models.UserMilestone, at time.Time) error {
	return s.DB(ctx).Model(&models.UserMilestone{}).
		Where("user_id = ? AND artist_id = ? AND key = ? AND delivered_at IS NULL", m.UserID, m.ArtistID, m.Key).
		Update("dispatched_at", at).Error
}

// UserMilestone returns one of a fan's milestones with an artist.
func (s *Store) UserMilestone(ctx context.Context, userID, artistID uuid.UUID, key string) (*models.UserMilestone, error) {
	return first[models.UserMilestone](s.DB(ctx).Where("user_id = ? AND artist_id = ? AND key = ?", userID, artistID, key))
}

// MarkMilestoneDelivered sets a fan milestone's delivered_at once; later
// calls keep the first time.
func (s *Store) MarkMilestoneDelivered(ctx context.Context, userID, artistID uuid.UUID, key string, at time.Time) error {
	return s.DB(ctx).Model(&models.UserMilestone{}).
		Where("user_id = ? AND artist_id = ? AND key = ? AND delivered_at IS NULL", userID, artistID, key).
		Update("delivered_at", at).Error
}

// PendingArtistMilestones returns artists' milestones not delivered yet,
// oldest first.
func (s *Store) PendingArtistMilestones(ctx context.Context, limit int) ([]models.ArtistMilestone, error) {
	var rows []models.ArtistMilestone
	err := s.DB(ctx).Where("delivered_at IS NULL").Order("reached_at, artist_id, key").Limit(limit).Find(&rows).Error
	return rows, err
}

// MarkArtistMilestoneDelivered sets an artist milestone's delivered_at once.
func (s *Store) MarkArtistMilestoneDelivered(ctx context.Context, artistID uuid.UUID, key string, at time.Time) error {
	return s.DB(ctx).Model(&models.ArtistMilestone{}).
		Where("artist_id = ? AND key = ? AND delivered_at IS NULL", artistID, key).
		Update("delivered_at", at).Error
}

// CreateNotificationOnce inserts a notification whose id derives from its
// sender's idempotency key, and reports whether it is new: a retried
// milestone or reward notification writes (and publishes) nothing twice.
func (s *Store) CreateNotificationOnce(ctx context.Context, n *models.Notification) (bool, error) {
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(n)
	return res.RowsAffected == 1, res.Error
}
