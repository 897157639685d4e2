package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// CreateRefreshToken stores a refresh token (its hash only).
func (s *Store) CreateRefreshToken(ctx context.Context, t *models.RefreshToken) error {
	return s.DB(ctx).Create(t).Error
}

// Token outcomes of UseRefreshToken that are not database failures.
var (
	ErrTokenUnknown = models.Errorf(models.CodeUnauthorized, "invalid refresh token")
	ErrTokenExpired = models.Errorf(models.CodeUnauthorized, "refresh token expired")
	ErrTokenReused  = models.Errorf(models.CodeUnauthorized, "refresh token reused; please sign in again")
)

// UseRefreshToken marks the token with that hash used and, in the same
// transaction, stores next in its family. A token presented a second time
// revokes its whole family: whoever holds a stolen copy loses it too.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, now time.Time, next *models.RefreshToken) (*models.RefreshToken, error) {
	var old models.RefreshToken
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("token_hash = ?", hash).Take(&old).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return ErrTokenUnknown
			}
			return err
		}
		if old.RevokedAt != nil || old.UsedAt != nil {
			return ErrTokenReused
		}
		if !now.Before(old.ExpiresAt) {
			return ErrTokenExpired
		}
		// The guard on used_at makes two concurrent refreshes race for one row:
		// the loser sees zero rows and is treated as a reuse.
		res := tx.Model(&models.RefreshToken{}).
			Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", old.ID).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrTokenReused
		}
		next.UserID, next.FamilyID = old.UserID, old.FamilyID
		return tx.Create(next).Error
	})
	if err == ErrTokenReused {
		if rerr := s.RevokeFamily(ctx, old.FamilyID, now); rerr != nil {
			return nil, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return &old, nil
}

// RevokeFamily revokes every token of a rotation family.
func (s *Store) RevokeFamily(ctx context.Context, family uuid.UUID, now time.Time) error {
	return s.DB(ctx).Model(&models.RefreshToken{}).
		Where("family_id = ? AND revoked_at IS NULL", family).
		Update("revoked_at", now).Error
}

// RefreshTokenByHash returns a stored token.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*models.RefreshToken, error) {
	return first[models.RefreshToken](s.DB(ctx).Where("token_hash = ?", hash))
}
