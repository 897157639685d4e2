package models

import "time"

// InboxItem is one notification waiting in a user's inbox workflow for one
// channel (email or push).
type InboxItem struct {
	NotificationID string
	Category       string
	Channel        Channel
	GroupKey       string
	Priority       Priority
	Title          string
	Body           string
	CreatedAt      time.Time
	ExpiresAt      *time.Time
	Settings       InboxSettings // the user's settings when it was sent
}

// InboxSettings are a user's delivery settings, as the inbox applies them.
type InboxSettings struct {
	DigestWindow time.Duration // 0 sends each notification alone
	QuietStart   string        // "22:00" in TimeZone; empty for none
	QuietEnd     string
	TimeZone     string
	CapPerHour   map[Channel]int // 0 or missing: no cap
}

// Digest is one message to a user on one channel: the notifications of
// one group that waited together.
type Digest struct {
	UserID   string
	Channel  Channel
	GroupKey string
	Items    []InboxItem
}
