package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// A party room's standing rows: bans (a kick is a ban with an end) and the
// stays that listening time is counted from; admissions are in
// party_admissions.go.

// BanFromParty keeps a user out of a party until until, or until a host
// lifts it when until is nil. A ban with no end is never shortened by a
// later one with an end (a kick of a banned user).
func (s *Store) BanFromParty(ctx context.Context, partyID, userID, by uuid.UUID, until *time.Time, now time.Time) error {
	return s.DB(ctx).Exec(`INSERT INTO party_bans (party_id, user_id, by_user_id, until, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (party_id, user_id) DO UPDATE SET until = excluded.until, by_user_id = excluded.by_user_id, created_at = excluded.created_at
		WHERE party_bans.until IS NOT NULL`, partyID, userID, by, until, now).Error
}

// LiftPartyBan removes a user's ban (or kick) from a party; none is not found.
func (s *Store) LiftPartyBan(ctx context.Context, partyID, userID uuid.UUID) error {
	res := s.DB(ctx).Exec(`DELETE FROM party_bans WHERE party_id = ? AND user_id = ?`, partyID, userID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// PartyBanned reports whether a user is kept out of a party at now.
func (s *Store) PartyBanned(ctx context.Context, partyID, userID uuid.UUID, now time.Time) (bool, error) {
	var n int64
	err := s.DB(ctx).Table("party_bans").Where("party_id = ? AND user_id = ? AND (until IS NULL OR until > ?)", partyID, userID, now).Count(&n).Error
	return n > 0, err
}

// OpenPartyStay records that a user arrived in a party's room. A stay
// already open (an instance's leave lost) is kept: the user is there.
func (s *Store) OpenPartyStay(ctx context.Context, partyID, userID uuid.UUID, now time.Time) error {
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.PartyStay{ID: models.NewID(), PartyID: partyID, UserID: userID, JoinedAt: now}).Error
}

// ClosePartyStay records that a user's last socket left a party's room,
// and the stay's seconds as listening.
func (s *Store) ClosePartyStay(ctx context.Context, partyID, userID uuid.UUID, now time.Time) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var open []models.PartyStay
		q := tx.Where("party_id = ? AND user_id = ? AND left_at IS NULL", partyID, userID)
		if s.dialect == Postgres { // two closes of one stay: one counts it
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&open).Error; err != nil || len(open) == 0 {
			return err
		}
		var events []models.EngagementEvent
		for _, st := range open {
			if err := tx.Model(&st).Update("left_at", now).Error; err != nil {
				return err
			}
			events = append(events, models.EngagementEvent{UserID: userID, Action: models.ActionListen, Amount: int64(now.Sub(st.JoinedAt) / time.Second), At: now})
		}
		return recordPartyEngagement(tx, partyID, events...)
	})
}

// PartyListeners returns who is in a party's room now (its open stays),
// earliest arrival first.
func (s *Store) PartyListeners(ctx context.Context, partyID uuid.UUID) ([]models.PartyListener, error) {
	var rows []models.PartyListener
	err := s.DB(ctx).Table("party_participants p").Select("p.user_id, u.display_name, p.joined_at").
		Joins("JOIN users u ON u.id = p.user_id").Where("p.party_id = ? AND p.left_at IS NULL", partyID).
		Order("p.joined_at, p.user_id").Scan(&rows).Error
	return rows, err
}

// ListeningSeconds is how long each user has listened to a party, over
// all their stays (an open one counted up to now); the party's total is
// their sum.
func (s *Store) ListeningSeconds(ctx context.Context, partyID uuid.UUID, now time.Time) (map[uuid.UUID]int64, error) {
	var rows []models.PartyStay
	if err := s.DB(ctx).Where("party_id = ?", partyID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[uuid.UUID]int64{}
	for _, r := range rows {
		out[r.UserID] += r.Seconds(now)
	}
	return out, nil
}
