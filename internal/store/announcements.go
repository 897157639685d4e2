package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// ReserveAnnouncement records an announcement of the artist unless they
// sent perDay in the last 24 hours (rate_limited). It returns the row's id,
// for ReleaseAnnouncement when the announcement could not be started.
func (s *Store) ReserveAnnouncement(ctx context.Context, artistID uuid.UUID, now time.Time, perDay int) (uuid.UUID, error) {
	id := models.NewID()
	return id, s.Tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres { // one artist's announcements take turns, so the count holds
			if err := tx.Exec("SELECT 1 FROM artists WHERE id = ? FOR UPDATE", artistID).Error; err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Table("announcements").Where("artist_id = ? AND created_at > ?", artistID, now.Add(-24*time.Hour)).
			Count(&n).Error; err != nil {
			return err
		}
		if n >= int64(perDay) {
			return models.Errorf(models.CodeRateLimited, "at most %d announcements a day", perDay)
		}
		return tx.Exec("INSERT INTO announcements (id, artist_id, created_at) VALUES (?, ?, ?)", id, artistID, now).Error
	})
}

// ReleaseAnnouncement forgets a reservation whose announcement never started.
func (s *Store) ReleaseAnnouncement(ctx context.Context, id uuid.UUID) error {
	return s.DB(ctx).Exec("DELETE FROM announcements WHERE id = ?", id).Error
}
