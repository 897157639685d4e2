package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// Who may enter a private party beyond its hosts: users admitted by its
// invite code, users a host accepted, and RSVPs. A new code ends every
// admission no host accepted, and the RSVPs that came without one.

type partyAdmission struct {
	PartyID    uuid.UUID
	UserID     uuid.UUID
	CreatedAt  time.Time
	AcceptedBy *uuid.UUID
}

func (partyAdmission) TableName() string { return "party_admissions" }

// AdmitToParty records that a user presented a private party's invite
// code (again: a no-op).
func (s *Store) AdmitToParty(ctx context.Context, partyID, userID uuid.UUID, now time.Time) error {
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&partyAdmission{PartyID: partyID, UserID: userID, CreatedAt: now}).Error
}

// AcceptToParty records that host let a user into a party: the admission
// outlives new invite codes.
func (s *Store) AcceptToParty(ctx context.Context, partyID, userID, host uuid.UUID, now time.Time) error {
	return s.DB(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "party_id"}, {Name: "user_id"}}, DoUpdates: clause.AssignmentColumns([]string{"accepted_by"})}).
		Create(&partyAdmission{PartyID: partyID, UserID: userID, CreatedAt: now, AcceptedBy: &host}).Error
}

// PartyAdmitted reports whether a user was admitted to a party.
func (s *Store) PartyAdmitted(ctx context.Context, partyID, userID uuid.UUID) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&partyAdmission{}).Where("party_id = ? AND user_id = ?", partyID, userID).Count(&n).Error
	return n > 0, err
}

// ClearPartyGuest ends a user's admission to a party and their RSVP;
// neither is not found.
func (s *Store) ClearPartyGuest(ctx context.Context, partyID, userID uuid.UUID) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		a := tx.Where("party_id = ? AND user_id = ?", partyID, userID).Delete(&partyAdmission{})
		if a.Error != nil {
			return a.Error
		}
		r := tx.Where("party_id = ? AND user_id = ?", partyID, userID).Delete(&partyRSVP{})
		if r.Error != nil {
			return r.Error
		}
		if a.RowsAffected+r.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return nil
	})
}

// revokeAdmissions ends, in tx, what a private party's old invite code let
// in: admissions no host accepted, and RSVPs of users neither hosting nor
// still admitted.
func revokeAdmissions(tx *gorm.DB, p *models.Party) error {
	if err := tx.Where("party_id = ? AND accepted_by IS NULL", p.ID).Delete(&partyAdmission{}).Error; err != nil {
		return err
	}
	return tx.Where("party_id = ? AND user_id <> ?", p.ID, p.ArtistID).
		Where("user_id NOT IN (SELECT user_id FROM party_admissions WHERE party_id = ?)", p.ID).
		Where("user_id NOT IN (SELECT user_id FROM party_cohosts WHERE party_id = ?)", p.ID).
		Delete(&partyRSVP{}).Error
}

// PartyGuests returns a page of a party's guests (admitted or RSVP'd), by
// user id, and the next page's cursor ("" at the end).
func (s *Store) PartyGuests(ctx context.Context, partyID uuid.UUID, after string, limit int) ([]models.PartyGuest, string, error) {
	from := uuid.Nil
	if after != "" {
		var err error
		if from, err = uuid.Parse(after); err != nil {
			return nil, "", models.FieldError("cursor", "cursor is not one this list gave")
		}
	}
	var ids []uuid.UUID
	err := s.DB(ctx).Raw(`SELECT user_id FROM party_admissions WHERE party_id = ? AND user_id > ?
		UNION SELECT user_id FROM party_rsvps WHERE party_id = ? AND user_id > ? ORDER BY user_id LIMIT ?`, partyID, from, partyID, from, limit+1).
		Scan(&ids).Error
	if err != nil {
		return nil, "", err
	}
	ids, next, err := page(ids, limit, uuid.UUID.String)
	if err != nil || len(ids) == 0 {
		return []models.PartyGuest{}, next, err
	}
	var (
		users      []models.User
		admissions []partyAdmission
		rsvps      []partyRSVP
	)
	db := s.DB(ctx)
	if err := db.Select("id", "display_name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, "", err
	}
	if err := db.Where("party_id = ? AND user_id IN ?", partyID, ids).Find(&admissions).Error; err != nil {
		return nil, "", err
	}
	if err := db.Where("party_id = ? AND user_id IN ?", partyID, ids).Find(&rsvps).Error; err != nil {
		return nil, "", err
	}
	out := make([]models.PartyGuest, len(ids))
	at := make(map[uuid.UUID]*models.PartyGuest, len(ids))
	for i, id := range ids {
		out[i].UserID, at[id] = id, &out[i]
	}
	for _, u := range users {
		at[u.ID].DisplayName = u.DisplayName
	}
	for _, a := range admissions {
		earliest(&at[a.UserID].Since, a.CreatedAt)
		at[a.UserID].Accepted = a.AcceptedBy != nil
	}
	for _, r := range rsvps {
		earliest(&at[r.UserID].Since, r.CreatedAt)
		at[r.UserID].RSVPed = true
	}
	return out, next, nil
}

// earliest keeps in t the earlier of t (unset: zero) and at.
func earliest(t *time.Time, at time.Time) {
	if t.IsZero() || at.Before(*t) {
		*t = at
	}
}
