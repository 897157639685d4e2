// Package notify is what a notification is and how it leaves: the request
// a feature makes (Notification), its in-app row, and the senders of the
// outward channels (SendGrid Mailer, web Pusher) that activities call.
// The entry point that sends one, package notifier, sits above the
// workflows; this package imports nothing above the services.
package notify

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Notification is what a feature asks to send.
type Notification struct {
	UserID   uuid.UUID
	Category string          // a key of models.Categories
	GroupKey string          // notifications with one key are grouped and digested together; default: the category
	Priority models.Priority // default: the category's
	Title    string
	Body     string
	Data     map[string]any
	TTL      time.Duration // 0: never expires
}

// Audience is who a broadcast reaches. Followers of an artist for now;
// tier members and party RSVPs join as their features arrive.
type Audience struct {
	FollowersOf uuid.UUID
}

// Limits of a notification's text.
const (
	maxTitle = 200
	maxBody  = 2000
	maxKey   = 200
)

// Row validates x and builds its in-app row, made at now.
func Row(x Notification, now time.Time) (*models.Notification, error) {
	cat, ok := models.Categories[x.Category]
	switch {
	case !ok:
		return nil, models.FieldError("category", "unknown category %q", x.Category)
	case strings.TrimSpace(x.Title) == "" || len(x.Title) > maxTitle:
		return nil, models.FieldError("title", "title is required (at most %d bytes)", maxTitle)
	case len(x.Body) > maxBody:
		return nil, models.FieldError("body", "body must have at most %d bytes", maxBody)
	case len(x.GroupKey) > maxKey:
		return nil, models.FieldError("group_key", "group key must have at most %d bytes", maxKey)
	case x.TTL < 0:
		return nil, models.FieldError("ttl", "ttl must not be negative")
	}
	prio := x.Priority
	if prio == "" {
		prio = cat.Priority
	}
	switch prio {
	case models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent:
	default:
		return nil, models.FieldError("priority", "priority must be low, normal, high or urgent")
	}
	group := x.GroupKey
	if group == "" {
		group = x.Category
	}
	data := x.Data
	if data == nil {
		data = map[string]any{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, models.FieldError("data", "data must be JSON")
	}
	row := &models.Notification{
		ID: models.NewID(), UserID: x.UserID, Category: cat.Name, GroupKey: group, Priority: prio,
		Title: x.Title, Body: x.Body, Data: string(b), Channels: joinChannels(cat.Channels), CreatedAt: now,
	}
	if x.TTL > 0 {
		exp := now.Add(x.TTL)
		row.ExpiresAt = &exp
	}
	return row, nil
}

func joinChannels(cs []models.Channel) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}
