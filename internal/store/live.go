package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// StartLiveSession stores a running session; while the artist has one
// running (the partial unique index) it is a conflict.
func (s *Store) StartLiveSession(ctx context.Context, row *models.LiveSession) error {
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.CodeConflict, "a live session is already running")
	}
	return nil
}

// LiveSession returns a session, running or ended.
func (s *Store) LiveSession(ctx context.Context, id uuid.UUID) (*models.LiveSession, error) {
	return first[models.LiveSession](s.DB(ctx).Where("id = ?", id))
}

// RunningLiveSession returns the artist's running session, or
// models.ErrNotFound.
func (s *Store) RunningLiveSession(ctx context.Context, artistID uuid.UUID) (*models.LiveSession, error) {
	return first[models.LiveSession](s.DB(ctx).Where("artist_id = ? AND ended_at IS NULL", artistID))
}

// EndLiveSession ends the artist's running session and returns it, or
// models.ErrNotFound when none runs.
func (s *Store) EndLiveSession(ctx context.Context, artistID uuid.UUID, now time.Time) (*models.LiveSession, error) {
	row, err := s.RunningLiveSession(ctx, artistID)
	if err != nil {
		return nil, err
	}
	res := s.DB(ctx).Model(&models.LiveSession{}).Where("id = ? AND ended_at IS NULL", row.ID).Update("ended_at", now)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.ErrNotFound // ended meanwhile
	}
	row.EndedAt = &now
	return row, nil
}

// DeleteLiveSession takes back a session nobody could be told of.
func (s *Store) DeleteLiveSession(ctx context.Context, id uuid.UUID) error {
	return s.DB(ctx).Where("id = ?", id).Delete(&models.LiveSession{}).Error
}
