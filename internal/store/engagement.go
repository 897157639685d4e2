package store

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// recordEngagement is the one way an act becomes engagement: the store
// method that records the act calls it in the act's own transaction, so
// the act and its event stand or fall together. Acts of nothing (zero
// seconds) and of an artist towards themselves are not events; an event
// whose OnceKey the user already has is dropped.
func recordEngagement(tx *gorm.DB, events ...models.EngagementEvent) error {
	var added []models.EngagementEvent
	for _, e := range events { // an act has one or two: one insert each tells which were new
		if e.Amount <= 0 || e.UserID == e.ArtistID {
			continue
		}
		if e.ID == uuid.Nil {
			e.ID = models.NewID()
		}
		e.At = e.At.UTC()
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&e)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			added = append(added, e)
		}
	}
	return foldEngagement(tx, added)
}

// once is the OnceKey of an act that earns engagement once.
func once(act string, id uuid.UUID) *string {
	k := act + ":" + id.String()
	return &k
}

// artistOf is the artist_id of the row of model with id (a party, a Q&A
// session): whose engagement an act in it is.
func artistOf(tx *gorm.DB, model any, id uuid.UUID) (uuid.UUID, error) {
	var ids []uuid.UUID
	if err := tx.Model(model).Where("id = ?", id).Pluck("artist_id", &ids).Error; err != nil {
		return uuid.Nil, err
	}
	if len(ids) == 0 {
		return uuid.Nil, models.ErrNotFound
	}
	return ids[0], nil
}

// recordPartyEngagement records events of acts in a party, towards its
// artist.
func recordPartyEngagement(tx *gorm.DB, partyID uuid.UUID, events ...models.EngagementEvent) error {
	artist, err := artistOf(tx, &models.Party{}, partyID)
	if err != nil {
		return err
	}
	for i := range events {
		events[i].ArtistID = artist
	}
	return recordEngagement(tx, events...)
}

// EngagementTotals sums a fan's events towards an artist by action.
func (s *Store) EngagementTotals(ctx context.Context, userID, artistID uuid.UUID) (map[models.Action]int64, error) {
	var rows []struct {
		Action models.Action
		Total  int64
	}
	err := s.DB(ctx).Model(&models.EngagementEvent{}).Select("action, sum(amount) AS total").
		Where("user_id = ? AND artist_id = ?", userID, artistID).Group("action").Scan(&rows).Error
	out := make(map[models.Action]int64, len(rows))
	for _, r := range rows {
		out[r.Action] = r.Total
	}
	return out, err
}
