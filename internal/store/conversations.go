package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// OpenConversation returns the pair's conversation, made with both
// members' rows the first time; created reports which.
func (s *Store) OpenConversation(ctx context.Context, artistID, fanID, openedBy uuid.UUID, now time.Time) (*models.Conversation, bool, error) {
	c := &models.Conversation{ID: models.NewID(), ArtistID: artistID, FanID: fanID, OpenedBy: openedBy, CreatedAt: now}
	created := false
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(c)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			got, err := first[models.Conversation](tx.Where("artist_id = ? AND fan_id = ?", artistID, fanID))
			c = got
			return err
		}
		created = true
		return tx.Create([]models.ConversationMember{
			{ConversationID: c.ID, UserID: artistID, LastMessageAt: now, UpdatedAt: now},
			{ConversationID: c.ID, UserID: fanID, LastMessageAt: now, UpdatedAt: now},
		}).Error
	})
	return c, created, err
}

// ConversationFor returns a conversation with the user's side of it; a
// conversation the user is not in is not found (ids do not leak).
func (s *Store) ConversationFor(ctx context.Context, id, user uuid.UUID) (*models.Conversation, *models.ConversationMember, error) {
	db := s.DB(ctx)
	m, err := first[models.ConversationMember](db.Where("conversation_id = ? AND user_id = ?", id, user))
	if err != nil {
		return nil, nil, err
	}
	c, err := first[models.Conversation](db.Where("id = ?", id))
	return c, m, err
}

// UpdateMember changes the user's side of a conversation (pinned,
// archived, muted, blocked, last_read_id).
func (s *Store) UpdateMember(ctx context.Context, id, user uuid.UUID, cols map[string]any) (*models.ConversationMember, error) {
	res := s.DB(ctx).Model(&models.ConversationMember{}).Where("conversation_id = ? AND user_id = ?", id, user).Updates(cols)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.ErrNotFound
	}
	return first[models.ConversationMember](s.DB(ctx).Where("conversation_id = ? AND user_id = ?", id, user))
}

// MarkRead moves the user's read marker to upTo, a message of the
// conversation; it never moves back.
func (s *Store) MarkRead(ctx context.Context, id, user, upTo uuid.UUID, now time.Time) error {
	var n int64
	if err := s.DB(ctx).Model(&models.Message{}).Where("id = ? AND conversation_id = ?", upTo, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return models.FieldError("read_up_to", "not a message of this conversation")
	}
	return s.DB(ctx).Model(&models.ConversationMember{}).
		Where("conversation_id = ? AND user_id = ? AND (last_read_id IS NULL OR last_read_id < ?)", id, user, upTo).
		Updates(map[string]any{"last_read_id": upTo, "updated_at": now}).Error
}

// ConversationFilter narrows a user's conversation list.
type ConversationFilter struct {
	Archived bool
	Unread   bool
	After    string // cursor of the last row
	Limit    int
}

// ConversationRow is a conversation as one member lists it.
type ConversationRow struct {
	models.Conversation
	Member  models.ConversationMember
	Unread  int
	Last    *models.Message
	Other   models.User
	Blocked bool // the other member blocked this one
}

type conversationHead struct {
	ID     uuid.UUID
	Pinned bool
	LastAt time.Time
	Unread int
}

const unreadCount = `(SELECT count(*) FROM messages msg WHERE msg.conversation_id = m.conversation_id AND msg.sender_id <> m.user_id
	AND msg.deleted_at IS NULL AND (m.last_read_id IS NULL OR msg.id > m.last_read_id))`

// Conversations lists a user's conversations, pinned first, then by last
// activity, with unread counts.
func (s *Store) Conversations(ctx context.Context, user uuid.UUID, f ConversationFilter) ([]ConversationRow, string, error) {
	q := s.heads(ctx, user).Where("m.archived = ?", f.Archived)
	if f.Unread {
		q = q.Where(unreadCount + " > 0")
	}
	if f.After != "" {
		pinned, at, id, err := parseConversationCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("(m.pinned = ? AND (m.last_message_at < ? OR (m.last_message_at = ? AND m.conversation_id < ?))) OR (m.pinned = ? AND ?)",
			pinned, at, at, id, false, pinned)
	}
	var heads []conversationHead
	if err := q.Order("m.pinned DESC, m.last_message_at DESC, m.conversation_id DESC").Limit(f.Limit + 1).Scan(&heads).Error; err != nil {
		return nil, "", err
	}
	heads, next, _ := page(heads, f.Limit, func(h conversationHead) string { return conversationCursor(h) })
	rows := make([]ConversationRow, len(heads))
	for i, h := range heads {
		r, err := s.fillRow(ctx, h, user)
		if err != nil {
			return nil, "", err
		}
		rows[i] = *r
	}
	return rows, next, nil
}

// ConversationRow returns one conversation as a member lists it.
func (s *Store) ConversationRow(ctx context.Context, id, user uuid.UUID) (*ConversationRow, error) {
	var heads []conversationHead
	if err := s.heads(ctx, user).Where("m.conversation_id = ?", id).Scan(&heads).Error; err != nil {
		return nil, err
	}
	if len(heads) == 0 {
		return nil, models.ErrNotFound
	}
	return s.fillRow(ctx, heads[0], user)
}

// heads selects the user's conversations with their unread counts.
func (s *Store) heads(ctx context.Context, user uuid.UUID) *gorm.DB {
	return s.DB(ctx).Table("conversation_members AS m").
		Select("m.conversation_id AS id, m.pinned AS pinned, m.last_message_at AS last_at, "+unreadCount+" AS unread").
		Where("m.user_id = ?", user)
}

func (s *Store) fillRow(ctx context.Context, h conversationHead, user uuid.UUID) (*ConversationRow, error) {
	c, m, err := s.ConversationFor(ctx, h.ID, user)
	if err != nil {
		return nil, err
	}
	r := &ConversationRow{Conversation: *c, Member: *m, Unread: h.Unread}
	if m.LastMessageID != nil {
		if r.Last, err = first[models.Message](s.DB(ctx).Where("id = ?", *m.LastMessageID)); err != nil {
			return nil, err
		}
	}
	other, err := s.UserByID(ctx, c.Other(user))
	if err != nil {
		return nil, err
	}
	r.Other = *other
	r.Blocked, err = s.blockedBy(ctx, c.ID, other.ID)
	return r, err
}

func (s *Store) blockedBy(ctx context.Context, conversation, user uuid.UUID) (bool, error) {
	var blocked []bool
	err := s.DB(ctx).Model(&models.ConversationMember{}).Where("conversation_id = ? AND user_id = ?", conversation, user).Pluck("blocked", &blocked).Error
	return len(blocked) == 1 && blocked[0], err
}

func conversationCursor(h conversationHead) string {
	p := "0"
	if h.Pinned {
		p = "1"
	}
	return p + "|" + timeCursor(h.LastAt, h.ID)
}

func parseConversationCursor(c string) (bool, time.Time, uuid.UUID, error) {
	bad := models.FieldError("cursor", "cursor is not one this api gave")
	if len(c) < 40 || c[1] != '|' || (c[0] != '0' && c[0] != '1') {
		return false, time.Time{}, uuid.Nil, bad
	}
	at, id, err := parseTimeCursor(c[2:])
	if err != nil {
		return false, time.Time{}, uuid.Nil, bad
	}
	return c[0] == '1', at, id, nil
}

// Contacts are the users a user has a conversation with, where neither
// side blocked the other: they see each other's presence.
func (s *Store) Contacts(ctx context.Context, user uuid.UUID) ([]string, error) {
	var ids []string
	err := s.contacts(ctx, user).Pluck("other.user_id", &ids).Error
	return ids, err
}

// ContactsAmong returns which of others are user's contacts.
func (s *Store) ContactsAmong(ctx context.Context, user uuid.UUID, others []uuid.UUID) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	err := s.contacts(ctx, user).Where("other.user_id IN ?", others).Pluck("other.user_id", &ids).Error
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// BlockedBy reports whether blocker blocked user in their conversation.
func (s *Store) BlockedBy(ctx context.Context, blocker, user uuid.UUID) (bool, error) {
	var n int64
	err := s.DB(ctx).Table("conversation_members AS me").
		Joins("JOIN conversation_members other ON other.conversation_id = me.conversation_id AND other.user_id = ?", user).
		Where("me.user_id = ? AND me.blocked", blocker).Count(&n).Error
	return n > 0, err
}

// contacts selects the conversation partners of user where neither side
// blocked the other.
func (s *Store) contacts(ctx context.Context, user uuid.UUID) *gorm.DB {
	return s.DB(ctx).Table("conversation_members AS me").
		Joins("JOIN conversation_members other ON other.conversation_id = me.conversation_id AND other.user_id <> me.user_id").
		Where("me.user_id = ? AND NOT me.blocked AND NOT other.blocked", user)
}

var errBlocked = models.Errorf(models.CodeForbidden, "this conversation is blocked")
