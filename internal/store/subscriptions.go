package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// RecordMembership writes a membership workflow's state: the mirror row and
// the DM quota row of its current period (opened, raised on upgrade, or
// closed at once when the membership ends early), in one transaction.
// Replaying the same state writes the same rows.
func (s *Store) RecordMembership(ctx context.Context, sub models.Subscription, quota int, endedAt *time.Time) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var before []models.Subscription // the workflow is the row's one writer: no lock needed
		if err := tx.Where("artist_id = ? AND fan_id = ?", sub.ArtistID, sub.FanID).Limit(1).Find(&before).Error; err != nil {
			return err
		}
		if err := recordMoves(tx, before, sub); err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "artist_id"}, {Name: "fan_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"workflow_id", "tier", "pending_tier", "status", "member_since", "period", "period_start", "period_end", "next_charge_at", "price_cents", "currency", "updated_at"}),
		}).Create(&sub).Error; err != nil {
			return err
		}
		end := sub.PeriodEnd
		if endedAt != nil && endedAt.Before(end) {
			end = *endedAt
		}
		q := models.QuotaPeriod{ID: models.NewID(), ArtistID: sub.ArtistID, FanID: sub.FanID,
			PeriodStart: sub.PeriodStart, PeriodEnd: end, QuotaLimit: quota}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "artist_id"}, {Name: "fan_id"}, {Name: "period_start"}},
			DoUpdates: clause.AssignmentColumns([]string{"period_end", "quota_limit", "updated_at"}),
		}).Create(&q).Error; err != nil {
			return err
		}
		if !slices.Contains(models.GrantingStatuses, sub.Status) {
			return nil
		}
		return reachClubGoals(tx, sub.ArtistID, sub.UpdatedAt)
	})
}

// recordMoves writes the membership's movements from its mirror row
// before (none, or one) to sub: the history analytics counts from.
// Replaying a state moves nothing.
func recordMoves(tx *gorm.DB, before []models.Subscription, sub models.Subscription) error {
	var prev *models.Subscription
	if len(before) == 1 {
		prev = &before[0]
	}
	var had int64
	if sub.Status.Grants() && (prev == nil || !prev.Status.Grants()) { // a start: was the fan a member before?
		if err := tx.Model(&models.MembershipEvent{}).Where("artist_id = ? AND fan_id = ?", sub.ArtistID, sub.FanID).Limit(1).Count(&had).Error; err != nil {
			return err
		}
	}
	moves := models.Moves(prev, sub, had > 0)
	if len(moves) == 0 {
		return nil
	}
	var priceBefore int64
	if prev != nil && prev.Status.Grants() {
		priceBefore = prev.PriceCents
		if prev.PendingTier != "" {
			// The mirror's price is its next charge's: with a tier change
			// waiting (a downgrade asked for, a late upgrade), the new
			// tier's. The price the membership held is the one its
			// history last gave.
			var last []int64
			if err := tx.Model(&models.MembershipEvent{}).Where("artist_id = ? AND fan_id = ?", sub.ArtistID, sub.FanID).
				Order("at DESC, id DESC").Limit(1).Pluck("price_after", &last).Error; err != nil {
				return err
			}
			if len(last) == 1 && last[0] > 0 {
				priceBefore = last[0]
			}
		}
	}
	for _, move := range moves {
		ev := models.MembershipEvent{ID: models.NewID(), ArtistID: sub.ArtistID, FanID: sub.FanID, Move: move,
			TierAfter: sub.Tier, PriceAfter: sub.PriceCents, At: sub.UpdatedAt.UTC()}
		if prev != nil && prev.Status.Grants() {
			ev.TierBefore, ev.PriceBefore = prev.Tier, priceBefore
		}
		if move == models.MoveEnded {
			ev.TierAfter, ev.PriceAfter = "", 0
		}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
	}
	return nil
}

// reachClubGoals records the club's goals (FanClub.Milestones) its live
// member count has reached, each once: a goal is set in one place and
// detected here, when a membership starts to grant.
func reachClubGoals(tx *gorm.DB, artistID uuid.UUID, at time.Time) error {
	var clubs []models.FanClub
	if err := tx.Where("artist_id = ?", artistID).Limit(1).Find(&clubs).Error; err != nil || len(clubs) == 0 || len(clubs[0].Milestones) == 0 {
		return err
	}
	var members int64
	if err := tx.Model(&models.Subscription{}).Where("artist_id = ? AND status IN ?", artistID, models.GrantingStatuses).Count(&members).Error; err != nil {
		return err
	}
	var keys []string
	for _, g := range clubs[0].Milestones {
		if int64(g.Members) <= members {
			keys = append(keys, models.ClubGoalMilestone(g.Members))
		}
	}
	return reachArtistMilestones(tx, artistID, at, keys...)
}

// Membership returns a fan's membership in an artist's club.
func (s *Store) Membership(ctx context.Context, artistID, fanID uuid.UUID) (*models.Subscription, error) {
	return first[models.Subscription](s.DB(ctx).Where("artist_id = ? AND fan_id = ?", artistID, fanID))
}

// TierOf returns the tier a user holds in an artist's club now.
func (s *Store) TierOf(ctx context.Context, artistID, userID uuid.UUID) (models.Tier, error) {
	sub, err := s.Membership(ctx, artistID, userID)
	if errors.Is(err, models.ErrNotFound) {
		return models.TierFollower, nil
	}
	if err != nil {
		return "", err
	}
	return sub.EffectiveTier(), nil
}

// FanMemberships lists a fan's memberships, live ones first.
func (s *Store) FanMemberships(ctx context.Context, fanID uuid.UUID) ([]models.Subscription, error) {
	var out []models.Subscription
	err := s.DB(ctx).Where("fan_id = ?", fanID).
		Order("CASE WHEN status = 'canceled' THEN 1 ELSE 0 END, member_since DESC").Find(&out).Error
	return out, err
}

// MemberFilter narrows an artist's members list.
type MemberFilter struct {
	Tier   models.Tier
	Status models.SubscriptionStatus
	After  string // cursor: the last row's member_since|fan_id
	Limit  int
}

// Members returns a page of an artist's members, longest-standing last.
func (s *Store) Members(ctx context.Context, artistID uuid.UUID, f MemberFilter) ([]models.Subscription, string, error) {
	q := s.DB(ctx).Where("artist_id = ?", artistID)
	if f.Tier != "" {
		q = q.Where("tier = ?", f.Tier)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.After != "" {
		since, fan, err := parseTimeCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("member_since < ? OR (member_since = ? AND fan_id > ?)", since, since, fan)
	}
	var rows []models.Subscription
	if err := q.Order("member_since DESC, fan_id").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, f.Limit, func(r models.Subscription) string { return timeCursor(r.MemberSince, r.FanID) })
}

// timeCursor is the keyset cursor of a list ordered by a time then an id.
func timeCursor(at time.Time, id uuid.UUID) string {
	return at.UTC().Format(time.RFC3339Nano) + "|" + id.String()
}

func parseTimeCursor(c string) (time.Time, uuid.UUID, error) {
	bad := models.FieldError("cursor", "cursor is not one this api gave")
	if len(c) < 38 || c[len(c)-37] != '|' {
		return time.Time{}, uuid.Nil, bad
	}
	since, err := time.Parse(time.RFC3339Nano, c[:len(c)-37])
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	fan, err := uuid.Parse(c[len(c)-36:])
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	return since, fan, nil
}

// CurrentQuota returns the DM quota period that holds now, if any.
func (s *Store) CurrentQuota(ctx context.Context, artistID, fanID uuid.UUID, now time.Time) (*models.QuotaPeriod, error) {
	qs, err := s.CurrentQuotas(ctx, []models.Subscription{{ArtistID: artistID, FanID: fanID}}, now)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, models.ErrNotFound
	}
	return &qs[0], nil
}

// CurrentQuotas returns the quota periods that hold now for the
// memberships, in one query.
func (s *Store) CurrentQuotas(ctx context.Context, subs []models.Subscription, now time.Time) ([]models.QuotaPeriod, error) {
	pairs := make([][]any, len(subs))
	for i, sub := range subs {
		pairs[i] = []any{sub.ArtistID, sub.FanID}
	}
	var out []models.QuotaPeriod
	err := s.DB(ctx).Where("(artist_id, fan_id) IN ? AND period_start <= ? AND period_end > ?", pairs, now, now).
		Order("period_start DESC").Find(&out).Error
	return out, err
}

// AwardMilestone records a milestone once; it reports whether this call
// awarded it.
func (s *Store) AwardMilestone(ctx context.Context, m models.UserMilestone) (bool, error) {
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&m)
	return res.RowsAffected == 1, res.Error
}
