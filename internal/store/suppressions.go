package store

import (
	"context"
	"strings"

	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// Suppress records addresses that must get no more email; the first reason
// recorded for an address stays.
func (s *Store) Suppress(ctx context.Context, ss []models.Suppression) error {
	for i := range ss {
		ss[i].Email = strings.ToLower(ss[i].Email)
	}
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ss).Error
}

// Suppressed returns which of the addresses are suppressed.
func (s *Store) Suppressed(ctx context.Context, emails []string) (map[string]bool, error) {
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = strings.ToLower(e)
	}
	var found []string
	if err := s.DB(ctx).Model(&models.Suppression{}).Where("email IN ?", lower).Pluck("email", &found).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(found))
	for _, e := range found {
		out[e] = true
	}
	return out, nil
}
