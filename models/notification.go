package models

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Priority orders notifications: urgent ones skip throttling and quiet hours.
type Priority string

// Priorities.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Channel is a way a notification reaches a user.
type Channel string

// Channels. In-app is always on: the inbox row and the realtime event.
const (
	ChannelInApp Channel = "in_app"
	ChannelEmail Channel = "email"
	ChannelPush  Channel = "push"
)

// Category is a kind of notification, with its defaults.
type Category struct {
	Name     string
	Priority Priority
	Channels []Channel // the channels on unless the user turns them off
}

// Categories are every kind of notification the platform sends; a feature
// that sends a new kind adds it here. Security and billing mail cannot be
// unsubscribed from (transactional).
var Categories = map[string]Category{
	"announcement": {"announcement", PriorityNormal, []Channel{ChannelInApp, ChannelEmail, ChannelPush}},
	"release":      {"release", PriorityHigh, []Channel{ChannelInApp, ChannelEmail, ChannelPush}},
	"party":        {"party", PriorityHigh, []Channel{ChannelInApp, ChannelPush}},
	"message":      {"message", PriorityNormal, []Channel{ChannelInApp, ChannelPush, ChannelEmail}},
	"membership":   {"membership", PriorityNormal, []Channel{ChannelInApp, ChannelEmail}},
	"milestone":    {"milestone", PriorityLow, []Channel{ChannelInApp, ChannelEmail}},
	"reward":       {"reward", PriorityNormal, []Channel{ChannelInApp, ChannelEmail, ChannelPush}},
	"billing":      {"billing", PriorityHigh, []Channel{ChannelInApp, ChannelEmail}},
	"security":     {"security", PriorityUrgent, []Channel{ChannelInApp, ChannelEmail}},
	"qa":           {"qa", PriorityNormal, []Channel{ChannelInApp, ChannelPush, ChannelEmail}},
	"live":         {"live", PriorityHigh, []Channel{ChannelInApp, ChannelPush}},
}

// Transactional reports whether a category's mail is sent whatever the
// user's marketing preferences (security, billing).
func (c Category) Transactional() bool { return c.Name == "security" || c.Name == "billing" }

// Notification is one row of a user's inbox.
type Notification struct {
	ID          uuid.UUID `gorm:"primaryKey"`
	UserID      uuid.UUID
	Category    string
	GroupKey    string
	Priority    Priority
	Title       string
	Body        string
	Data        string // JSON object
	Channels    string // comma-separated Channel values
	BroadcastID *uuid.UUID
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	ReadAt      *time.Time
}

// NotificationPreference is a user's settings for notifications.
type NotificationPreference struct {
	UserID            uuid.UUID `gorm:"primaryKey"`
	Channels          string    // JSON: {"category": {"email": false, …}}
	DigestMinutes     int
	QuietStart        string // "22:00" in the user's time zone; empty: none
	QuietEnd          string
	EmailUnsubscribed bool
	UpdatedAt         time.Time
}

// Wants is the one preference rule: whether a user with these channel
// settings (the preferences' JSON, "" for defaults) gets a category on a
// channel. A category's channels are on unless turned off; an email
// unsubscribe stops all but transactional mail.
func Wants(channels string, emailUnsubscribed bool, cat Category, ch Channel) bool {
	if !slices.Contains(cat.Channels, ch) || ch == ChannelEmail && emailUnsubscribed && !cat.Transactional() {
		return false
	}
	var prefs map[string]map[Channel]bool
	_ = json.Unmarshal([]byte(channels), &prefs)
	on, set := prefs[cat.Name][ch]
	return !set || on
}

// OutboxEmail is a mail kept locally instead of sent (no SendGrid key).
type OutboxEmail struct {
	ID         uuid.UUID `gorm:"primaryKey"`
	UserID     uuid.UUID
	ToEmail    string
	Subject    string
	Body       string
	Categories string
	Headers    string // JSON object
	CreatedAt  time.Time
}

// TableName keeps GORM off the plural of "outbox".
func (OutboxEmail) TableName() string { return "email_outbox" }

// NotificationView is a notification as the front end sees it, over REST and sockets.
type NotificationView struct {
	ID        string          `json:"id"`
	Category  string          `json:"category"`
	GroupKey  string          `json:"group_key"`
	Priority  Priority        `json:"priority"`
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	Data      json.RawMessage `json:"data"`
	Channels  []string        `json:"channels"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt *time.Time      `json:"expires_at"`
	ReadAt    *time.Time      `json:"read_at"`
}

// ViewOf renders a row.
func ViewOf(n *Notification) NotificationView {
	return NotificationView{
		ID: n.ID.String(), Category: n.Category, GroupKey: n.GroupKey, Priority: n.Priority,
		Title: n.Title, Body: n.Body, Data: json.RawMessage(n.Data), Channels: strings.Split(n.Channels, ","),
		CreatedAt: n.CreatedAt.UTC(), ExpiresAt: UTC(n.ExpiresAt), ReadAt: UTC(n.ReadAt),
	}
}

// UTC is t in UTC, nil for nil: an optional time as views show it.
func UTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// PushSubscription is a browser's Web Push subscription.
type PushSubscription struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	UserID    uuid.UUID
	Endpoint  string
	P256dh    string
	Auth      string
	CreatedAt time.Time
}

// Suppression is an address that gets no more email.
type Suppression struct {
	Email     string `gorm:"primaryKey"`
	Reason    string
	CreatedAt time.Time
}
