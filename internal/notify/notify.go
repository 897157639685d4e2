// Package notify is the one way the platform notifies users: the in-app
// row is written and pushed to the user's sockets at once; email and push
// follow the user's preferences.
package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
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

// Notifier sends notifications.
type Notifier struct {
	Store     *store.Store
	Publisher realtime.Publisher
	Temporal  client.Client
	TaskQueue string
	Channels  []models.Channel // the outward channels that have a sender
	Log       *slog.Logger
	Now       func() time.Time
}

// Hourly caps of the outward channels, per user.
var capPerHour = map[models.Channel]int{models.ChannelEmail: 4, models.ChannelPush: 10}

// Limits of a notification's text.
const (
	maxTitle = 200
	maxBody  = 2000
	maxKey   = 200
)

// Send writes the in-app notification and publishes it to user:{id}.
func (n *Notifier) Send(ctx context.Context, x Notification) (*models.Notification, error) {
	row, err := n.row(x)
	if err != nil {
		return nil, err
	}
	if err := n.Store.CreateNotifications(ctx, []models.Notification{*row}); err != nil {
		return nil, err
	}
	// The row is the source of truth: a failed publish is only a late
	// badge, a failed hand-off to the inbox a missing email; both are logged.
	if _, err := n.Publisher.Publish(ctx, realtime.UserRoom(row.UserID.String()),
		realtime.Event{Type: "notification", Data: models.ViewOf(row)}); err != nil {
		n.Log.Warn("notification not pushed", "notification_id", row.ID, "error", err)
	}
	if _, err := n.HandOff(ctx, row); err != nil {
		n.Log.Warn("notification not handed to the inbox", "notification_id", row.ID, "error", err)
	}
	return row, nil
}

// HandOff signals the user's inbox workflow (starting it if needed) with
// the notification once per outward channel the user wants it on, and
// returns those channels. Every notification that leaves by email or push
// goes this way, a broadcast's too: preferences, digests, quiet hours and
// caps are one rule, applied by the inbox.
func (n *Notifier) HandOff(ctx context.Context, row *models.Notification) ([]models.Channel, error) {
	u, err := n.Store.UserByID(ctx, row.UserID)
	if err != nil {
		return nil, err
	}
	pref, err := n.Store.NotificationPreferences(ctx, row.UserID)
	if err != nil {
		return nil, err
	}
	cat := models.Categories[row.Category]
	settings := models.InboxSettings{
		DigestWindow: time.Duration(pref.DigestMinutes) * time.Minute, QuietStart: pref.QuietStart,
		QuietEnd: pref.QuietEnd, TimeZone: u.TimeZone, CapPerHour: capPerHour,
	}
	var sent []models.Channel
	for _, ch := range cat.Channels {
		if ch == models.ChannelInApp || !slices.Contains(n.Channels, ch) || !models.Wants(pref.Channels, pref.EmailUnsubscribed, cat, ch) {
			continue
		}
		item := models.InboxItem{
			NotificationID: row.ID.String(), Category: row.Category, Channel: ch, GroupKey: row.GroupKey,
			Priority: row.Priority, Title: row.Title, Body: row.Body, CreatedAt: row.CreatedAt,
			ExpiresAt: row.ExpiresAt, Settings: settings,
		}
		if err := (workflows.InboxClient{Conn: n.conn()}).Notify(ctx, row.UserID.String(), item); err != nil {
			return sent, err
		}
		sent = append(sent, ch)
	}
	return sent, nil
}

// row validates x and builds its inbox row.
func (n *Notifier) row(x Notification) (*models.Notification, error) {
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
	now := n.Now()
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

// Audience is who a broadcast reaches. Followers of an artist for now;
// tier members and party RSVPs join as their features arrive.
type Audience struct {
	FollowersOf uuid.UUID
}

// Broadcast starts a BroadcastWorkflow sending x (its UserID is ignored:
// rows are made per recipient) to the audience, and returns the
// broadcast's id for progress lookups.
func (n *Notifier) Broadcast(ctx context.Context, audience Audience, x Notification) (string, error) {
	row, err := n.row(x) // validates x the same way Send does
	if err != nil {
		return "", err
	}
	b := models.Broadcast{
		ID: models.NewID().String(), ArtistID: audience.FollowersOf.String(), Category: row.Category,
		GroupKey: row.GroupKey, Title: row.Title, Body: row.Body, TTL: x.TTL, CreatedAt: row.CreatedAt,
	}
	return b.ID, workflows.BroadcastClient{Conn: n.conn()}.Start(ctx, b)
}

func (n *Notifier) conn() workflows.Conn { return workflows.Conn{Client: n.Temporal, TaskQueue: n.TaskQueue} }
