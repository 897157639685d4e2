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

// QuietUntil reports whether now falls in the user's quiet hours (which
// may wrap midnight, in the user's time zone) and when they end.
func (s InboxSettings) QuietUntil(now time.Time) (time.Time, bool) {
	if s.QuietStart == "" || s.QuietEnd == "" {
		return time.Time{}, false
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	at := func(hhmm string, day time.Time) time.Time {
		t, _ := time.Parse("15:04", hhmm)
		return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, loc)
	}
	start, end := at(s.QuietStart, local), at(s.QuietEnd, local)
	if !end.After(start) { // wraps midnight: 22:00–07:00
		if local.Before(end) {
			return end, true
		}
		if !local.Before(start) {
			return at(s.QuietEnd, local.AddDate(0, 0, 1)), true
		}
		return time.Time{}, false
	}
	if !local.Before(start) && local.Before(end) {
		return end, true
	}
	return time.Time{}, false
}

// Digest is one message to a user on one channel: the notifications of
// one group that waited together.
type Digest struct {
	UserID   string
	Channel  Channel
	GroupKey string
	Items    []InboxItem
}
