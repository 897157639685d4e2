package notifier

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// Notifier sends notifications.
type Notifier struct {
	Store     *store.Store
	Publisher realtime.Publisher
	Workflows workflows.Conn
	Channels  []models.Channel // the outward channels that have a sender
	Log       *slog.Logger
	Now       func() time.Time
}

// Hourly caps of the outward channels, per user.
var capPerHour = map[models.Channel]int{models.ChannelEmail: 4, models.ChannelPush: 10}

// Send writes the in-app notification and publishes it to user:{id}. A
// keyed one (x.Key) sent before is neither written nor published again.
func (n *Notifier) Send(ctx context.Context, x notify.Notification) (*models.Notification, error) {
	row, err := notify.Row(x, n.Now())
	if err != nil {
		return nil, err
	}
	if x.Key != "" {
		if fresh, err := n.Store.CreateNotificationOnce(ctx, row); err != nil || !fresh {
			return row, err
		}
	} else if err := n.Store.CreateNotifications(ctx, []models.Notification{*row}); err != nil {
		return nil, err
	}
	// The row is the source of truth: a failed publish is only a late
	// badge, a failed hand-off to the inbox a missing email; both are logged.
	if _, err := n.Publisher.Publish(ctx, realtime.UserRoom(row.UserID.String()), notify.Event(row)); err != nil {
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
	inbox := workflows.InboxClient{Conn: n.Workflows}
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
		if err := inbox.Notify(ctx, row.UserID.String(), item); err != nil {
			return sent, err
		}
		sent = append(sent, ch)
	}
	return sent, nil
}

// Broadcast starts a BroadcastWorkflow sending x (its UserID is ignored:
// rows are made per recipient) to the audience, and returns the
// broadcast's id for progress lookups. With a key, the id derives from it
// and a second Broadcast with that key (a retried activity of a workflow
// that announces) starts nothing and returns the same id; without one,
// every call is a new broadcast.
func (n *Notifier) Broadcast(ctx context.Context, audience models.Audience, x notify.Notification, key string) (string, error) {
	row, err := notify.Row(x, n.Now()) // validates x the same way Send does
	if err != nil {
		return "", err
	}
	id := row.ID // a fresh UUIDv7
	if key != "" {
		id = uuid.NewSHA1(broadcastKeys, []byte(key))
	}
	b := models.Broadcast{
		ID: id.String(), ArtistID: audience.ArtistID.String(), Audience: audience.Kind, Tiers: audience.Tiers, Category: row.Category,
		GroupKey: row.GroupKey, Title: row.Title, Body: row.Body, TTL: x.TTL, CreatedAt: row.CreatedAt,
	}
	if audience.Kind == models.AudienceParty {
		b.PartyID = audience.PartyID.String()
	}
	return b.ID, workflows.BroadcastClient{Conn: n.Workflows}.Start(ctx, b)
}

// broadcastKeys is the UUID namespace of keyed broadcasts' ids.
var broadcastKeys = uuid.MustParse("0193a1c4-5b2e-7c3d-9e4f-a0b1c2d3e4f5")
