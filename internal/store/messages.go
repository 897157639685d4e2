package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// Send is one message to store.
type Send struct {
	ConversationID  uuid.UUID
	SenderID        uuid.UUID
	SenderRole      models.Role
	Body            string // sanitized already
	BodyHash        string
	Attachments     []uuid.UUID
	IdempotencyKey  *string
	DuplicateWindow time.Duration // the same text again within it is refused
	Now             time.Time
}

// Sent is a stored message with its conversation and the recipient's side
// of it.
type Sent struct {
	Message   *models.Message
	Conv      *models.Conversation
	Recipient models.ConversationMember
	Replayed  bool // an earlier send with the same idempotency key
}

// SendMessage stores a message in one transaction with what it costs:
//
//   - the artist writes to a live member of their club, without limit;
//   - a fan's reply to the artist (the artist wrote last) is free, for a
//     live member of the club;
//   - any other fan message needs the DM perk (CanAccess) and takes a unit
//     of the quota of the current membership period, with
//     UPDATE … SET used = used + 1 WHERE used < limit, so concurrent sends
//     never take more than is left.
//
// The conversation's rows are locked for the transaction (PostgreSQL; SQLite
// has one writer), so "who wrote last" and the quota are decided in
// order. A retry with the same idempotency key returns the first message
// and costs nothing.
func (s *Store) SendMessage(ctx context.Context, in Send) (*Sent, error) {
	// Read before the transaction, to hold the conversation's lock for as
	// little as possible: the duplicate check is best effort, and a tier
	// that changes meanwhile only matters to the quota, which the locked
	// UPDATE decides.
	var pre struct {
		Dup  bool
		Tier *string
	}
	if err := s.DB(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM messages WHERE sender_id = ? AND body_hash = ? AND created_at > ? AND deleted_at IS NULL) AS dup,
		(SELECT sub.tier FROM conversations c JOIN subscriptions sub ON sub.artist_id = c.artist_id AND sub.fan_id = c.fan_id
		 WHERE c.id = ? AND sub.status IN ?) AS tier`,
		in.SenderID, in.BodyHash, in.Now.Add(-in.DuplicateWindow), in.ConversationID, models.GrantingStatuses).Scan(&pre).Error; err != nil {
		return nil, err
	}
	tier := models.TierFollower
	if pre.Tier != nil {
		tier = models.Tier(*pre.Tier)
	}
	out := &Sent{}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		// Both members' rows with the conversation's, locked: sends to one
		// conversation take turns.
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var members []lockedMember
		if err := tx.Raw(`SELECT m.*, c.artist_id, c.fan_id FROM conversation_members m
			JOIN conversations c ON c.id = m.conversation_id WHERE m.conversation_id = ? ORDER BY m.user_id`+lock, in.ConversationID).
			Scan(&members).Error; err != nil {
			return err
		}
		if len(members) != 2 {
			return models.ErrNotFound
		}
		c := &models.Conversation{ID: in.ConversationID, ArtistID: members[0].ArtistID, FanID: members[0].FanID}
		sender := slices.IndexFunc(members, func(m lockedMember) bool { return m.UserID == in.SenderID })
		if sender < 0 {
			return models.ErrNotFound
		}
		out.Conv, out.Recipient = c, members[1-sender].ConversationMember
		if in.IdempotencyKey != nil {
			prior, err := first[models.Message](tx.Where("conversation_id = ? AND sender_id = ? AND idempotency_key = ?", c.ID, in.SenderID, *in.IdempotencyKey))
			if err == nil {
				out.Message, out.Replayed = prior, true
				return nil
			}
			if !errors.Is(err, models.ErrNotFound) {
				return err
			}
		}
		if members[0].Blocked || members[1].Blocked {
			return errBlocked
		}
		if pre.Dup && in.Body != "" {
			return &models.Error{Code: models.CodeConflict, Message: "you sent the same message a moment ago", Field: "body"}
		}
		counted, err := charge(tx, c, members[0].LastSenderID, tier, in)
		if err != nil {
			return err
		}
		msg := &models.Message{ID: models.NewID(), ConversationID: c.ID, SenderID: in.SenderID, Body: in.Body, BodyHash: in.BodyHash,
			AttachmentCount: len(in.Attachments), IdempotencyKey: in.IdempotencyKey, Counted: counted, CreatedAt: in.Now}
		if err := tx.Create(msg).Error; err != nil {
			return err
		}
		out.Message = msg
		if len(in.Attachments) > 0 {
			res := tx.Model(&models.Attachment{}).Where("id IN ? AND uploader_id = ? AND message_id IS NULL", in.Attachments, in.SenderID).
				Updates(map[string]any{"message_id": msg.ID, "conversation_id": c.ID})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(in.Attachments)) {
				return models.FieldError("attachments", "an attachment is not one of your unsent uploads")
			}
		}
		if in.SenderID == c.FanID {
			if err := recordEngagement(tx, models.EngagementEvent{UserID: c.FanID, ArtistID: c.ArtistID, Action: models.ActionDM, Amount: 1, At: in.Now}); err != nil {
				return err
			}
		}
		// One statement for both sides: the last message; a new message
		// brings the conversation back from the archive; the sender has
		// read up to their own message.
		return tx.Model(&models.ConversationMember{}).Where("conversation_id = ?", c.ID).Updates(map[string]any{
			"last_message_id": msg.ID, "last_sender_id": in.SenderID, "last_message_at": in.Now,
			"archived": false, "updated_at": in.Now,
			"last_read_id": gorm.Expr("CASE WHEN user_id = ? THEN ? ELSE last_read_id END", in.SenderID, msg.ID),
		}).Error
	})
	return out, err
}

// lockedMember is a member's row read with its conversation's.
type lockedMember struct {
	models.ConversationMember
	ArtistID uuid.UUID
	FanID    uuid.UUID
}

// charge decides what a message costs and takes it (see SendMessage).
func charge(tx *gorm.DB, c *models.Conversation, lastSender *uuid.UUID, tier models.Tier, in Send) (counted bool, err error) {
	if in.SenderID == c.ArtistID {
		if !tier.Paid() {
			return false, models.Errorf(models.CodeForbidden, "artists write only to members of their club")
		}
		return false, nil
	}
	if lastSender != nil && *lastSender == c.ArtistID && tier.Paid() {
		return false, nil // a reply to the artist
	}
	if !models.CanAccess(models.Viewer{UserID: in.SenderID, Role: in.SenderRole, Tier: tier}, models.Resource{Kind: models.ResourceDM, ArtistID: c.ArtistID}, in.Now) {
		return false, models.Errorf(models.CodeForbidden, "direct messages to the artist are a superfan perk")
	}
	res := tx.Model(&models.QuotaPeriod{}).
		Where("artist_id = ? AND fan_id = ? AND period_start <= ? AND period_end > ? AND used < quota_limit", c.ArtistID, c.FanID, in.Now, in.Now).
		Updates(map[string]any{"used": gorm.Expr("used + 1"), "updated_at": in.Now})
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	e := &models.Error{Code: models.CodeQuotaExceeded, Message: "no messages left this period"}
	if q, err := first[models.QuotaPeriod](tx.Where("artist_id = ? AND fan_id = ? AND period_start <= ? AND period_end > ?",
		c.ArtistID, c.FanID, in.Now, in.Now)); err == nil {
		e.RetryAt = q.PeriodEnd
		e.Message = fmt.Sprintf("all %d messages of this period are used; more from %s", q.QuotaLimit, q.PeriodEnd.UTC().Format(time.RFC3339))
	}
	return false, e
}

// MessagePage is a page of a conversation's messages.
type MessagePage struct {
	Before, After *uuid.UUID // at most one: older than Before, or newer than After; neither: the newest
	Limit         int
}

// Messages returns a page of messages, newest first (or oldest first
// after After), with the cursor of the next page in the same direction.
func (s *Store) Messages(ctx context.Context, conversation uuid.UUID, p MessagePage) ([]models.Message, string, error) {
	q := s.DB(ctx).Where("conversation_id = ?", conversation)
	order := "id DESC"
	switch {
	case p.After != nil:
		q, order = q.Where("id > ?", *p.After), "id"
	case p.Before != nil:
		q = q.Where("id < ?", *p.Before)
	}
	var rows []models.Message
	if err := q.Order(order).Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, p.Limit, func(m models.Message) string { return m.ID.String() })
}

// ReactionCount is how many users put one emoji on a message.
type ReactionCount struct {
	MessageID uuid.UUID
	Emoji     string
	Count     int
	Mine      bool
}

// Reactions returns the reaction counts of messages, for the viewer.
func (s *Store) Reactions(ctx context.Context, viewer uuid.UUID, messages []uuid.UUID) ([]ReactionCount, error) {
	var out []ReactionCount
	err := s.DB(ctx).Model(&models.MessageReaction{}).
		Select("message_id, emoji, count(*) AS count, max(CASE WHEN user_id = ? THEN 1 ELSE 0 END) = 1 AS mine", viewer).
		Where("message_id IN ?", messages).Group("message_id, emoji").Order("message_id, emoji").Scan(&out).Error
	return out, err
}

// AttachmentsOf returns the attachments of messages.
func (s *Store) AttachmentsOf(ctx context.Context, messages []uuid.UUID) ([]models.Attachment, error) {
	var out []models.Attachment
	err := s.DB(ctx).Where("message_id IN ?", messages).Order("created_at, id").Find(&out).Error
	return out, err
}

// MessageFor returns a message and its conversation, if the user is a
// member of the conversation.
func (s *Store) MessageFor(ctx context.Context, id, user uuid.UUID) (*models.Message, *models.Conversation, error) {
	m, err := first[models.Message](s.DB(ctx).Where("id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	c, _, err := s.ConversationFor(ctx, m.ConversationID, user)
	return m, c, err
}

// DeleteMessage soft-deletes one's own message: its text and attachments
// go, the row stays so the thread shows where it was.
func (s *Store) DeleteMessage(ctx context.Context, id, user uuid.UUID, now time.Time) (*models.Message, error) {
	m, _, err := s.MessageFor(ctx, id, user)
	if err != nil {
		return nil, err
	}
	if m.SenderID != user {
		return nil, models.Errorf(models.CodeForbidden, "you can delete only your own messages")
	}
	if m.DeletedAt != nil {
		return m, nil
	}
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(m).Updates(map[string]any{"deleted_at": now, "body": "", "attachment_count": 0}).Error; err != nil {
			return err
		}
		return tx.Where("message_id = ?", id).Delete(&models.Attachment{}).Error
	})
	m.DeletedAt, m.Body, m.AttachmentCount = &now, "", 0
	return m, err
}

// React adds (or with add false removes) the user's emoji on a message
// they can see; it reports whether anything changed.
func (s *Store) React(ctx context.Context, id, user uuid.UUID, emoji string, add bool, now time.Time) (*models.Message, bool, error) {
	m, c, err := s.MessageFor(ctx, id, user)
	if err != nil {
		return nil, false, err
	}
	if m.DeletedAt != nil {
		return nil, false, models.Errorf(models.CodeConflict, "the message was deleted")
	}
	changed := false
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		var res *gorm.DB
		if add {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.MessageReaction{MessageID: id, UserID: user, Emoji: emoji, CreatedAt: now})
		} else {
			res = tx.Where("message_id = ? AND user_id = ? AND emoji = ?", id, user, emoji).Delete(&models.MessageReaction{})
		}
		if changed = res.RowsAffected == 1; res.Error != nil || !changed || !add || user != c.FanID {
			return res.Error
		}
		return recordEngagement(tx, models.EngagementEvent{UserID: c.FanID, ArtistID: c.ArtistID, Action: models.ActionDMReaction, Amount: 1, At: now,
			OnceKey: once("dm_reaction", id)})
	})
	return m, changed, err
}

// Report puts a message another member sent in the moderation queue,
// once per reporter.
func (s *Store) Report(ctx context.Context, id, user uuid.UUID, reason string, now time.Time) (*models.MessageReport, error) {
	m, _, err := s.MessageFor(ctx, id, user)
	if err != nil {
		return nil, err
	}
	if m.SenderID == user {
		return nil, models.FieldError("id", "you cannot report your own message")
	}
	r := &models.MessageReport{ID: models.NewID(), MessageID: &id, ReporterID: user, Reason: reason, Status: "open", CreatedAt: now}
	return createOnce(s, ctx, r, func() (*models.MessageReport, error) {
		return first[models.MessageReport](s.DB(ctx).Where("message_id = ? AND reporter_id = ?", id, user))
	})
}

// AttachmentFor returns an attachment the user may fetch: their own
// upload, or one sent in a conversation they are in.
func (s *Store) AttachmentFor(ctx context.Context, id, user uuid.UUID) (*models.Attachment, error) {
	a, err := first[models.Attachment](s.DB(ctx).Where("id = ?", id))
	if err != nil {
		return nil, err
	}
	if a.ConversationID == nil {
		if a.UploaderID != user {
			return nil, models.ErrNotFound
		}
		return a, nil
	}
	if _, _, err := s.ConversationFor(ctx, *a.ConversationID, user); err != nil {
		return nil, err
	}
	return a, nil
}

// Notified reports whether the user has an unread notification of the
// group newer than since: a conversation notifies its offline member once
// until they read it, not once per message.
func (s *Store) Notified(ctx context.Context, user uuid.UUID, group string, since time.Time) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Notification{}).
		Where("user_id = ? AND group_key = ? AND read_at IS NULL AND created_at > ?", user, group, since).Limit(1).Count(&n).Error
	return n > 0, err
}
