package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// PartyLine is a party's chat message with its sender's display name.
type PartyLine struct {
	models.PartyMessage
	DisplayName string
}

// AddPartyMessage stores a chat message of a party and counts it in the
// party's stats (chat_messages), in one transaction: deleted messages
// stay counted, they were sent.
func (s *Store) AddPartyMessage(ctx context.Context, m *models.PartyMessage) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		if err := found(tx.Model(&models.Party{}).Where("id = ?", m.PartyID).Update("chat_messages", gorm.Expr("chat_messages + 1"))); err != nil {
			return err
		}
		return recordPartyEngagement(tx, m.PartyID, models.EngagementEvent{UserID: m.UserID, Action: models.ActionChat, Amount: 1, At: m.CreatedAt})
	})
}

// PartyMessages returns a page of a party's chat, newest first, without
// the deleted messages, and the cursor of the next page ("" at the end):
// the last row's created_at|id.
func (s *Store) PartyMessages(ctx context.Context, partyID uuid.UUID, after string, limit int) ([]PartyLine, string, error) {
	q := s.DB(ctx).Table("party_messages AS m").Select("m.*, u.display_name").Joins("JOIN users u ON u.id = m.user_id").
		Where("m.party_id = ? AND m.deleted_at IS NULL", partyID)
	if after != "" {
		at, id, err := parseTimeCursor(after)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("m.created_at < ? OR (m.created_at = ? AND m.id < ?)", at, at, id)
	}
	var rows []PartyLine
	if err := q.Order("m.created_at DESC, m.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, limit, func(l PartyLine) string { return timeCursor(l.CreatedAt, l.ID) })
}

// PartyMessage returns a chat message of the party that is not deleted;
// another party's message is not found.
func (s *Store) PartyMessage(ctx context.Context, partyID, id uuid.UUID) (*models.PartyMessage, error) {
	return first[models.PartyMessage](s.DB(ctx).Where("id = ? AND party_id = ? AND deleted_at IS NULL", id, partyID))
}

// DeletePartyMessage marks a message of the party deleted by a host; one
// deleted already, or another party's, is not found.
func (s *Store) DeletePartyMessage(ctx context.Context, partyID, id, by uuid.UUID, now time.Time) error {
	res := s.DB(ctx).Model(&models.PartyMessage{}).Where("id = ? AND party_id = ? AND deleted_at IS NULL", id, partyID).
		Updates(map[string]any{"deleted_at": now, "deleted_by": by})
	return found(res)
}

// SetPartySlowMode sets the seconds a fan waits between two messages in
// the party's chat (0: off).
func (s *Store) SetPartySlowMode(ctx context.Context, partyID uuid.UUID, seconds int) error {
	return found(s.DB(ctx).Model(&models.Party{}).Where("id = ?", partyID).Update("slow_mode_seconds", seconds))
}

// found is a conditional write's error: nil when it wrote a row, else
// not found.
func found(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// PartySlowMode is the party's slow mode in seconds (0: off).
func (s *Store) PartySlowMode(ctx context.Context, partyID uuid.UUID) (int, error) {
	var secs []int
	if err := s.DB(ctx).Model(&models.Party{}).Where("id = ?", partyID).Pluck("slow_mode_seconds", &secs).Error; err != nil {
		return 0, err
	}
	if len(secs) == 0 {
		return 0, models.ErrNotFound
	}
	return secs[0], nil
}

// ReportPartyMessage puts a party's chat message someone else sent in the
// moderation queue, the one DM reports go to; a second report of the same
// message by the same user is a conflict.
func (s *Store) ReportPartyMessage(ctx context.Context, partyID, id, user uuid.UUID, reason string, now time.Time) (*models.MessageReport, error) {
	m, err := s.PartyMessage(ctx, partyID, id)
	if err != nil {
		return nil, err
	}
	if m.UserID == user {
		return nil, models.FieldError("msgID", "you cannot report your own message")
	}
	r := &models.MessageReport{ID: models.NewID(), PartyMessageID: &id, ReporterID: user, Reason: reason, Status: "open", CreatedAt: now}
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(r)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Errorf(models.CodeConflict, "you reported this message already")
	}
	return r, nil
}
