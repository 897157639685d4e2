package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// RecordEngagement records events as an act's transaction would: the
// scoring tests feed the fold any mix of actions without staging each act.
func (s *Store) RecordEngagement(ctx context.Context, events ...models.EngagementEvent) error {
	return s.Tx(ctx, func(tx *gorm.DB) error { return recordEngagement(tx, events...) })
}
