package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// RewardRules returns an artist's reward configuration, by milestone and
// position.
func (s *Store) RewardRules(ctx context.Context, artistID uuid.UUID) ([]models.RewardRule, error) {
	var rows []models.RewardRule
	err := s.DB(ctx).Where("artist_id = ?", artistID).Order("milestone_key, position").Find(&rows).Error
	return rows, err
}

// RewardRulesFor returns what one of the artist's milestones grants, in order.
func (s *Store) RewardRulesFor(ctx context.Context, artistID uuid.UUID, key string) ([]models.RewardRule, error) {
	var rows []models.RewardRule
	err := s.DB(ctx).Where("artist_id = ? AND milestone_key = ?", artistID, key).Order("position").Find(&rows).Error
	return rows, err
}

// ReplaceRewardRules makes rules the artist's whole configuration in one
// transaction. A content_unlock must name a live item of the artist's (a
// FieldError naming rules[i].content_id otherwise, and nothing written);
// each meet & greet's seat pool takes the seats now configured and keeps
// the seats it gave.
func (s *Store) ReplaceRewardRules(ctx context.Context, artistID uuid.UUID, rules []models.RewardRule) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		for i, r := range rules {
			if r.ContentID == nil {
				continue
			}
			var n int64
			if err := tx.Model(&models.Content{}).Where("id = ? AND artist_id = ? AND deleted_at IS NULL", *r.ContentID, artistID).
				Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return models.FieldError(fmt.Sprintf("rules[%d].content_id", i), "content_id is not an item of this artist")
			}
		}
		if err := tx.Where("artist_id = ?", artistID).Delete(&models.RewardRule{}).Error; err != nil {
			return err
		}
		for _, r := range rules {
			if r.MeetAt == nil {
				continue
			}
			pool := models.MeetGreet{ArtistID: artistID, MeetAt: *r.MeetAt, Seats: r.Seats}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "artist_id"}, {Name: "meet_at"}},
				DoUpdates: clause.AssignmentColumns([]string{"seats"}),
			}).Create(&pool).Error; err != nil {
				return err
			}
		}
		if len(rules) == 0 {
			return nil
		}
		return tx.Create(&rules).Error
	})
}

// GrantReward gives g (its fan, rule and what it grants) once per fan and
// rule, and returns the grant as stored: the one given before, when there
// is one. A meet_greet takes a seat of its pool in the same transaction,
// only while one is left (CodeFull otherwise, and nothing granted), so
// concurrent grants never over-book.
func (s *Store) GrantReward(ctx context.Context, g *models.RewardGrant) (*models.RewardGrant, error) {
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(g)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if g.Kind != models.RewardMeetGreet {
			return nil
		}
		seat := tx.Model(&models.MeetGreet{}).Where("artist_id = ? AND meet_at = ? AND taken < seats", g.ArtistID, *g.MeetAt).
			Update("taken", gorm.Expr("taken + 1"))
		if seat.Error != nil {
			return seat.Error
		}
		if seat.RowsAffected == 0 {
			return models.Errorf(models.CodeFull, "every seat of the meet & greet is taken")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return first[models.RewardGrant](s.DB(ctx).Where("user_id = ? AND rule_id = ?", g.UserID, g.RuleID))
}

// Unlocked is the content a fan was granted of an artist's, for
// models.Viewer.Unlocked (nil when none).
func (s *Store) Unlocked(ctx context.Context, artistID, userID uuid.UUID) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	if err := s.DB(ctx).Model(&models.RewardGrant{}).Where("user_id = ? AND artist_id = ? AND kind = ?", userID, artistID, models.RewardUnlock).
		Pluck("content_id", &ids).Error; err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// RewardGrants returns a page of a fan's grants, newest first, and the
// cursor of the next page ("" at the end).
func (s *Store) RewardGrants(ctx context.Context, userID uuid.UUID, before string, limit int) ([]models.RewardGrant, string, error) {
	q := s.DB(ctx).Where("user_id = ?", userID)
	if before != "" {
		id, err := uuid.Parse(before)
		if err != nil {
			return nil, "", models.FieldError("cursor", "cursor is not one this list gave")
		}
		q = q.Where("id < ?", id)
	}
	var rows []models.RewardGrant
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, limit, func(g models.RewardGrant) string { return g.ID.String() })
}

// RedeemDiscount uses a discount code at the artist's store, once. A code
// unknown or of another artist's is not found, a used one CodeRedeemed,
// one past its expiry CodeExpired; none of them changes anything.
func (s *Store) RedeemDiscount(ctx context.Context, artistID uuid.UUID, code string, now time.Time) (*models.RewardGrant, error) {
	g, err := first[models.RewardGrant](s.DB(ctx).Where("code = ? AND artist_id = ? AND kind = ?", code, artistID, models.RewardDiscount))
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.Errorf(models.CodeNotFound, "no such code at this store")
	}
	if err != nil {
		return nil, err
	}
	res := s.DB(ctx).Model(&models.RewardGrant{}).Where("id = ? AND redeemed_at IS NULL AND expires_at > ?", g.ID, now).
		Update("redeemed_at", now)
	switch {
	case res.Error != nil:
		return nil, res.Error
	case res.RowsAffected == 1:
		g.RedeemedAt = &now
		return g, nil
	case g.ExpiresAt != nil && !g.ExpiresAt.After(now) && g.RedeemedAt == nil:
		return nil, models.Errorf(models.CodeExpired, "this code expired at %s", g.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil, models.Errorf(models.CodeRedeemed, "this code was used already")
}

// ClaimPrioritySeat reports whether the fan holds a priority seat for the
// party: one used in it before, or an unused one of the party's artist,
// which this binds to the party (a conditional update: one grant, one
// party).
func (s *Store) ClaimPrioritySeat(ctx context.Context, artistID, partyID, userID uuid.UUID) (bool, error) {
	mine := s.DB(ctx).Model(&models.RewardGrant{}).Where("user_id = ? AND artist_id = ? AND kind = ?", userID, artistID, models.RewardPrioritySeat)
	var n int64
	if err := mine.Session(&gorm.Session{}).Where("party_id = ?", partyID).Count(&n).Error; err != nil || n > 0 {
		return n > 0, err
	}
	var ids []uuid.UUID
	if err := mine.Session(&gorm.Session{}).Where("party_id IS NULL").Order("granted_at").Limit(1).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return false, err
	}
	res := s.DB(ctx).Model(&models.RewardGrant{}).Where("id = ? AND party_id IS NULL", ids[0]).Update("party_id", partyID)
	return res.RowsAffected == 1, res.Error
}

// MilestoneGrants returns what a fan was granted for one milestone, in
// the order granted.
func (s *Store) MilestoneGrants(ctx context.Context, userID, artistID uuid.UUID, key string) ([]models.RewardGrant, error) {
	var rows []models.RewardGrant
	err := s.DB(ctx).Where("user_id = ? AND artist_id = ? AND milestone_key = ?", userID, artistID, key).Order("id").Find(&rows).Error
	return rows, err
}
