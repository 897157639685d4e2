package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// CreateUpload records an upload unless the uploader's unsent uploads would
// then hold more than quota bytes. The sum and the insert are one step per
// user (their row is locked), so concurrent uploads cannot pass it together.
func (s *Store) CreateUpload(ctx context.Context, a *models.Attachment, quota int64) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres { // SQLite's one connection already makes writers take turns
			if err := tx.Exec("SELECT 1 FROM users WHERE id = ? FOR UPDATE", a.UploaderID).Error; err != nil {
				return err
			}
		}
		var pending int64
		if err := tx.Model(&models.Attachment{}).Where("uploader_id = ? AND message_id IS NULL", a.UploaderID).
			Select("COALESCE(SUM(size_bytes), 0)").Scan(&pending).Error; err != nil {
			return err
		}
		if pending+a.SizeBytes > quota {
			return &models.Error{Code: models.CodeQuotaExceeded, Field: "file", Message: fmt.Sprintf(
				"your unsent uploads would pass %d bytes: send them with a message, or wait a day for them to be deleted", quota)}
		}
		return tx.Create(a).Error
	})
}

// DeleteUpload deletes an upload no message carries.
func (s *Store) DeleteUpload(ctx context.Context, id uuid.UUID) error {
	return s.DB(ctx).Where("id = ? AND message_id IS NULL", id).Delete(&models.Attachment{}).Error
}

// DeleteStaleUploads deletes up to limit uploads that no message carries and
// that were made before `before`, and returns their ids (their blobs' keys).
// An upload attached meanwhile is kept: the delete checks again.
func (s *Store) DeleteStaleUploads(ctx context.Context, before time.Time, limit int) ([]uuid.UUID, error) {
	stale := s.DB(ctx).Model(&models.Attachment{}).Select("id").
		Where("message_id IS NULL AND created_at < ?", before).Order("created_at").Limit(limit)
	var gone []models.Attachment
	err := s.DB(ctx).Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}}}).
		Where("id IN (?) AND message_id IS NULL", stale).Delete(&gone).Error
	ids := make([]uuid.UUID, len(gone))
	for i, a := range gone {
		ids[i] = a.ID
	}
	return ids, err
}
