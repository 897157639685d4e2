package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// NotificationFilter narrows a user's inbox; Before is the cursor (the
// last id of the previous page; ids are time-ordered).
type NotificationFilter struct {
	Unread   bool
	Category string
	Before   string
	Limit    int
}

func (s *Store) inbox(ctx context.Context, userID uuid.UUID, f NotificationFilter, now time.Time) *gorm.DB {
	q := s.DB(ctx).Model(&models.Notification{}).
		Where("user_id = ? AND (expires_at IS NULL OR expires_at > ?)", userID, now)
	if f.Unread {
		q = q.Where("read_at IS NULL")
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	return q
}

// CreateNotifications inserts inbox rows in one statement.
func (s *Store) CreateNotifications(ctx context.Context, ns []models.Notification) error {
	return s.DB(ctx).CreateInBatches(ns, 500).Error
}

// Notifications returns a page of a user's inbox, newest first, and the
// cursor of the next page ("" at the end).
func (s *Store) Notifications(ctx context.Context, userID uuid.UUID, f NotificationFilter, now time.Time) ([]models.Notification, string, error) {
	q := s.inbox(ctx, userID, f, now)
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	var rows []models.Notification
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, f.Limit, func(n models.Notification) string { return n.ID.String() })
}

// NotificationGroup is one group of the grouped inbox view.
type NotificationGroup struct {
	GroupKey string
	Count    int
	Unread   int
	Latest   models.Notification
}

type groupHead struct {
	GroupKey string
	Count    int
	Unread   int
	Latest   string // id of the group's newest notification
}

// NotificationGroups returns a page of a user's inbox grouped by group key,
// the group with the newest notification first.
func (s *Store) NotificationGroups(ctx context.Context, userID uuid.UUID, f NotificationFilter, now time.Time) ([]NotificationGroup, string, error) {
	var heads []groupHead
	q := s.inbox(ctx, userID, f, now).
		Select("group_key, count(*) AS count, sum(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END) AS unread, max(CAST(id AS text)) AS latest").
		Group("group_key")
	if f.Before != "" {
		q = q.Having("max(CAST(id AS text)) < ?", f.Before)
	}
	if err := q.Order("latest DESC").Limit(f.Limit + 1).Scan(&heads).Error; err != nil {
		return nil, "", err
	}
	heads, next, _ := page(heads, f.Limit, func(h groupHead) string { return h.Latest })
	ids := make([]string, len(heads))
	for i, h := range heads {
		ids[i] = h.Latest
	}
	var latest []models.Notification
	if err := s.DB(ctx).Where("id IN ?", ids).Find(&latest).Error; err != nil {
		return nil, "", err
	}
	byID := map[string]models.Notification{}
	for _, n := range latest {
		byID[n.ID.String()] = n
	}
	groups := make([]NotificationGroup, len(heads))
	for i, h := range heads {
		groups[i] = NotificationGroup{GroupKey: h.GroupKey, Count: h.Count, Unread: h.Unread, Latest: byID[h.Latest]}
	}
	return groups, next, nil
}

// page trims one extra row fetched to know whether a next page exists.
func page[T any](rows []T, limit int, cursor func(T) string) ([]T, string, error) {
	if len(rows) <= limit {
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, cursor(rows[len(rows)-1]), nil
}

// MarkNotificationRead marks one of the user's notifications read; another
// user's notification is not found.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id uuid.UUID, now time.Time) error {
	res := s.DB(ctx).Model(&models.Notification{}).Where("id = ? AND user_id = ?", id, userID).
		Update("read_at", gorm.Expr("COALESCE(read_at, ?)", now))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// MarkAllNotificationsRead marks every unread, unexpired notification of
// the user read.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID uuid.UUID, now time.Time) (int64, error) {
	res := s.inbox(ctx, userID, NotificationFilter{Unread: true}, now).Update("read_at", now)
	return res.RowsAffected, res.Error
}

// UnreadNotifications counts the user's unread, unexpired notifications.
func (s *Store) UnreadNotifications(ctx context.Context, userID uuid.UUID, now time.Time) (int64, error) {
	var n int64
	err := s.inbox(ctx, userID, NotificationFilter{Unread: true}, now).Count(&n).Error
	return n, err
}

// NotificationPreferences returns the user's settings, or the defaults.
func (s *Store) NotificationPreferences(ctx context.Context, userID uuid.UUID) (*models.NotificationPreference, error) {
	p, err := first[models.NotificationPreference](s.DB(ctx).Where("user_id = ?", userID))
	if models.ErrorCode(err) == models.CodeNotFound {
		return &models.NotificationPreference{UserID: userID, Channels: "{}", DigestMinutes: 15}, nil
	}
	return p, err
}

// SaveNotificationPreferences writes the user's settings whole.
func (s *Store) SaveNotificationPreferences(ctx context.Context, p *models.NotificationPreference) error {
	err := s.DB(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return models.ErrNotFound // the user is gone
	}
	return err
}

// CreateOutboxEmail keeps a mail in the local outbox.
func (s *Store) CreateOutboxEmail(ctx context.Context, m *models.OutboxEmail) error {
	return s.DB(ctx).Create(m).Error
}

// OutboxEmails returns the newest mails of the local outbox.
func (s *Store) OutboxEmails(ctx context.Context, limit int) ([]models.OutboxEmail, error) {
	var out []models.OutboxEmail
	return out, s.DB(ctx).Order("id DESC").Limit(limit).Find(&out).Error
}

// UnsubscribeEmail turns off the user's non-transactional email.
func (s *Store) UnsubscribeEmail(ctx context.Context, userID uuid.UUID, now time.Time) error {
	p, err := s.NotificationPreferences(ctx, userID)
	if err != nil {
		return err
	}
	p.EmailUnsubscribed, p.UpdatedAt = true, now
	return s.SaveNotificationPreferences(ctx, p)
}

// Recipient is one user in a broadcast's page, with what decides how the
// broadcast reaches them.
type Recipient struct {
	UserID            uuid.UUID
	Email             string
	DisplayName       string
	TimeZone          string
	Channels          string // the preferences' JSON, "" for defaults
	EmailUnsubscribed bool
	QuietStart        string
	QuietEnd          string
	EmailedAt         *time.Time // last emailed, by the inbox or a broadcast
	PushedAt          *time.Time // last sent a web push, by the inbox or a broadcast
	Push              bool       // has a browser subscribed to push
}

// FollowerPage returns up to limit followers of an artist after the user id
// `after` (a keyset cursor), with their preferences, in one query.
func (s *Store) FollowerPage(ctx context.Context, artistID uuid.UUID, after string, limit int) ([]Recipient, error) {
	return recipientPage(s.DB(ctx).Table("follows f").Where("f.artist_id = ?", artistID), "f.user_id", after, limit)
}

// MemberPage returns up to limit live members of an artist's tiers (their
// membership gives its tier now, as TierOf says; following or not) after
// the user id `after`, as FollowerPage does.
func (s *Store) MemberPage(ctx context.Context, artistID uuid.UUID, tiers []models.Tier, after string, limit int) ([]Recipient, error) {
	q := s.DB(ctx).Table("subscriptions m").Where("m.artist_id = ? AND m.tier IN ? AND m.status IN ?", artistID, tiers, models.GrantingStatuses)
	return recipientPage(q, "m.fan_id", after, limit)
}

// NonMemberPage returns up to limit followers of an artist who hold no live
// membership of its club after the user id `after`, as FollowerPage does.
func (s *Store) NonMemberPage(ctx context.Context, artistID uuid.UUID, after string, limit int) ([]Recipient, error) {
	live := s.DB(ctx).Table("subscriptions m").Select("1").
		Where("m.artist_id = f.artist_id AND m.fan_id = f.user_id AND m.status IN ?", models.GrantingStatuses)
	if after != "" {
		live = live.Where("m.fan_id > ?", after) // implied, but the planner then starts its merge at the cursor
	}
	q := s.DB(ctx).Table("follows f").Where("f.artist_id = ? AND NOT EXISTS (?)", artistID, live)
	return recipientPage(q, "f.user_id", after, limit)
}

// recipientPage reads the users q names in its column user, in user id
// order after the cursor, with their preferences and push, in one query.
func recipientPage(q *gorm.DB, user, after string, limit int) ([]Recipient, error) {
	q = q.Select(`u.id AS user_id, u.email, u.display_name, u.time_zone, u.emailed_at, u.pushed_at,
			COALESCE(p.channels, '') AS channels, COALESCE(p.email_unsubscribed, false) AS email_unsubscribed,
			COALESCE(p.quiet_start, '') AS quiet_start, COALESCE(p.quiet_end, '') AS quiet_end,
			EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.user_id = u.id) AS push`).
		Joins("JOIN users u ON u.id = " + user).
		Joins("LEFT JOIN notification_preferences p ON p.user_id = u.id")
	if after != "" {
		// Both sides of the join: PostgreSQL does not carry a range across
		// an equality, and a merge join would otherwise read users from the
		// first id on every page (quadratic in the audience).
		q = q.Where(user+" > ? AND u.id > ?", after, after)
	}
	var out []Recipient
	return out, q.Order(user).Limit(limit).Scan(&out).Error
}

// MarkEmailed records that the users were emailed at t.
func (s *Store) MarkEmailed(ctx context.Context, userIDs []uuid.UUID, t time.Time) error {
	return s.DB(ctx).Table("users").Where("id IN ?", userIDs).Update("emailed_at", t).Error
}

// MarkPushed records that the users were sent a web push at t.
func (s *Store) MarkPushed(ctx context.Context, userIDs []uuid.UUID, t time.Time) error {
	return s.DB(ctx).Table("users").Where("id IN ?", userIDs).Update("pushed_at", t).Error
}

// CreateNotificationsOnce inserts inbox rows, skipping ids already there
// (a retried page of a broadcast).
func (s *Store) CreateNotificationsOnce(ctx context.Context, ns []models.Notification) error {
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(ns, 500).Error
}

// NotifiedSince reports whether the user got a notification of the group
// at or after since.
func (s *Store) NotifiedSince(ctx context.Context, userID uuid.UUID, groupKey string, since time.Time) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Notification{}).
		Where("user_id = ? AND group_key = ? AND created_at >= ?", userID, groupKey, since).Count(&n).Error
	return n > 0, err
}

// CreateOutboxEmails keeps many mails in the local outbox.
func (s *Store) CreateOutboxEmails(ctx context.Context, ms []models.OutboxEmail) error {
	return s.DB(ctx).CreateInBatches(ms, 500).Error
}

// DeleteExpiredNotifications removes notifications that expired before
// `before`, at most limit of them, and says how many went.
func (s *Store) DeleteExpiredNotifications(ctx context.Context, before time.Time, limit int) (int64, error) {
	sub := s.DB(ctx).Model(&models.Notification{}).Select("id").
		Where("expires_at IS NOT NULL AND expires_at < ?", before).Limit(limit)
	res := s.DB(ctx).Where("id IN (?)", sub).Delete(&models.Notification{})
	return res.RowsAffected, res.Error
}
