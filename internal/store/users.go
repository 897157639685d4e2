package store

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// CreateUser inserts a user and, for an artist, the artist profile, in one
// transaction. A taken email is a conflict on the email field.
func (s *Store) CreateUser(ctx context.Context, u *models.User, a *models.Artist) error {
	u.Email = strings.ToLower(u.Email)
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &models.Error{Code: models.CodeConflict, Message: "email already registered", Field: "email"}
			}
			return err
		}
		if a == nil {
			return nil
		}
		a.ID = u.ID
		slug, err := freeSlug(tx, a.Slug)
		if err != nil {
			return err
		}
		a.Slug = slug
		if err := tx.Create(a).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &models.Error{Code: models.CodeConflict, Message: "artist name taken, try again", Field: "display_name"}
			}
			return err
		}
		return nil
	})
}

// freeSlug returns base, or base with a short suffix when base is taken.
func freeSlug(tx *gorm.DB, base string) (string, error) {
	var n int64
	if err := tx.Model(&models.Artist{}).Where("slug = ?", base).Count(&n).Error; err != nil {
		return "", err
	}
	if n == 0 {
		return base, nil
	}
	return base + "-" + models.NewID().String()[30:], nil
}

// UserByID returns the user with that id.
func (s *Store) UserByID(ctx context.Context, id uuid.UUID) (*models.User, error) {
	return first[models.User](s.DB(ctx).Where("id = ?", id))
}

// UserByEmail returns the user with that email (any case).
func (s *Store) UserByEmail(ctx context.Context, email string) (*models.User, error) {
	return first[models.User](s.DB(ctx).Where("email = ?", strings.ToLower(email)))
}

// UpdateUser sets the given columns of a user and returns the new row.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, cols map[string]any) (*models.User, error) {
	if len(cols) > 0 {
		res := s.DB(ctx).Model(&models.User{ID: id}).Updates(cols)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, models.ErrNotFound
		}
	}
	return s.UserByID(ctx, id)
}

// first runs q for one row and maps "no row" to models.ErrNotFound.
func first[T any](q *gorm.DB) (*T, error) {
	var v T
	if err := q.Take(&v).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return nil, err
	}
	return &v, nil
}
