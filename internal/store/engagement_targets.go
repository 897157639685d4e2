package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// EngagementTargets reads, in one query each, the content items (not
// deleted) and parties among the ids client events name, keyed by id,
// with the fields an access check needs: what a batch of events is about.
// Ids that name nothing are absent; parties come without co-hosts.
func (s *Store) EngagementTargets(ctx context.Context, contentIDs, partyIDs []uuid.UUID) (map[uuid.UUID]*models.Content, map[uuid.UUID]*models.Party, error) {
	contents := map[uuid.UUID]*models.Content{}
	parties := map[uuid.UUID]*models.Party{}
	if len(contentIDs) > 0 {
		var rows []*models.Content
		if err := s.DB(ctx).Select("id, artist_id, kind, duration_seconds, min_tier, public_at").
			Where("id IN ? AND deleted_at IS NULL", contentIDs).Find(&rows).Error; err != nil {
			return nil, nil, err
		}
		for _, c := range rows {
			contents[c.ID] = c
		}
	}
	if len(partyIDs) > 0 {
		var rows []*models.Party
		if err := s.DB(ctx).Select("id, artist_id, min_tier, private").Where("id IN ?", partyIDs).Find(&rows).Error; err != nil {
			return nil, nil, err
		}
		for _, p := range rows {
			parties[p.ID] = p
		}
	}
	return contents, parties, nil
}
