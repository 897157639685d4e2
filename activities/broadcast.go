package activities

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// BroadcastPageSize is the recipients of one page: one batch of inbox rows
// and one SendGrid request (it takes up to 1,000 personalizations).
const BroadcastPageSize = 1000

// BatchMailer sends one message to many recipients in one request.
type BatchMailer interface {
	SendBatch(ctx context.Context, to []store.Recipient, category, subject, body string) (sent int, err error)
}

// Broadcast delivers a broadcast page by page.
type Broadcast struct {
	Store     *store.Store
	Publisher realtime.Publisher
	Online    func(ctx context.Context, userIDs []string) (map[string]bool, error)
	Mailer    BatchMailer
}

// DeliverPage writes the inbox rows of the next page of recipients,
// publishes them to those online and emails those who want email. A retry
// of the same page writes no second row: row ids derive from the broadcast
// and the recipient.
func (a *Broadcast) DeliverPage(ctx context.Context, b models.Broadcast, p models.BroadcastProgress) (models.BroadcastProgress, error) {
	artist, err := uuid.Parse(b.ArtistID)
	if err != nil {
		return p, err
	}
	page, err := a.Store.FollowerPage(ctx, artist, p.Cursor, BroadcastPageSize)
	if err != nil {
		return p, err
	}
	if len(page) == 0 {
		p.Done = true
		return p, nil
	}
	cat := models.Categories[b.Category]
	rows := make([]models.Notification, len(page))
	ids := make([]string, len(page))
	bid, _ := uuid.Parse(b.ID)
	var expires *time.Time
	if b.TTL > 0 {
		e := b.CreatedAt.Add(b.TTL)
		expires = &e
	}
	for i, r := range page {
		rows[i] = models.Notification{
			ID: rowID(b, r.UserID), UserID: r.UserID, Category: cat.Name, GroupKey: b.GroupKey, Priority: cat.Priority,
			Title: b.Title, Body: b.Body, Data: `{"broadcast_id":"` + b.ID + `"}`, Channels: "in_app,email",
			BroadcastID: &bid, CreatedAt: b.CreatedAt, ExpiresAt: expires,
		}
		ids[i] = r.UserID.String()
	}
	if err := a.Store.CreateNotificationsOnce(ctx, rows); err != nil {
		return p, err
	}
	activity.RecordHeartbeat(ctx, "rows written")
	online, err := a.Online(ctx, ids)
	if err != nil {
		return p, err
	}
	for i := range rows {
		if online[ids[i]] {
			if _, err := a.Publisher.Publish(ctx, realtime.UserRoom(ids[i]), realtime.Event{Type: "notification", Data: models.ViewOf(&rows[i])}); err != nil {
				return p, err
			}
			p.Pushed++
		}
	}
	var mail []store.Recipient
	for _, r := range page {
		if wantsEmail(r, cat) {
			mail = append(mail, r)
		}
	}
	sent := 0
	if len(mail) > 0 {
		if sent, err = a.Mailer.SendBatch(ctx, mail, cat.Name, b.Title, b.Body); err != nil {
			return p, err
		}
	}
	p.Cursor = page[len(page)-1].UserID.String()
	p.Recipients += len(page)
	p.Emailed += sent
	p.Pages++
	p.Done = len(page) < BroadcastPageSize
	return p, nil
}

// wantsEmail applies the recipient's preferences to the category.
func wantsEmail(r store.Recipient, cat models.Category) bool {
	if r.EmailUnsubscribed && !cat.Transactional() {
		return false
	}
	var prefs map[string]map[models.Channel]bool
	_ = json.Unmarshal([]byte(r.Channels), &prefs)
	on, set := prefs[cat.Name][models.ChannelEmail]
	return !set || on
}

// rowID is a UUIDv7 with the broadcast's timestamp and a hash of the
// broadcast and recipient: time-ordered like every id, and the same on retry.
func rowID(b models.Broadcast, user uuid.UUID) uuid.UUID {
	bid := uuid.MustParse(b.ID)
	h := sha256.Sum256(append(bid[:], user[:]...))
	var id uuid.UUID
	copy(id[:6], bid[:6]) // the 48-bit millisecond timestamp
	copy(id[6:], h[:10])
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // RFC 4122 variant
	return id
}
