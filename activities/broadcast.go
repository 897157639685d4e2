package activities

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"golang.org/x/sync/errgroup"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// BroadcastPageSize is the recipients of one page: one batch of inbox rows.
const BroadcastPageSize = 1000

// handOffs is how many recipients' inboxes a page signals at once.
const handOffs = 8

// Broadcast delivers a broadcast page by page.
type Broadcast struct {
	Store     *store.Store
	Publisher realtime.Publisher
	Online    func(ctx context.Context, userIDs []string) (map[string]bool, error)
	// HandOff gives a recipient's row to their inbox workflow for email and
	// push, as every notification goes (preferences, quiet hours, caps),
	// and says on which channels.
	HandOff func(ctx context.Context, row *models.Notification) ([]models.Channel, error)
}

// DeliverPage writes the inbox rows of the next page of recipients,
// publishes them to those online and hands them to each recipient's inbox
// for email and push. A retry of the same page writes no second row: row
// ids derive from the broadcast and the recipient (a retried hand-off may
// reach an inbox twice).
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
	channels := make([]string, len(cat.Channels))
	for i, ch := range cat.Channels {
		channels[i] = string(ch)
	}
	for i, user := range page {
		rows[i] = models.Notification{
			ID: rowID(b, user), UserID: user, Category: cat.Name, GroupKey: b.GroupKey, Priority: cat.Priority,
			Title: b.Title, Body: b.Body, Data: `{"broadcast_id":"` + b.ID + `"}`, Channels: strings.Join(channels, ","),
			BroadcastID: &bid, CreatedAt: b.CreatedAt, ExpiresAt: expires,
		}
		ids[i] = user.String()
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
	emailed, err := a.handOff(ctx, rows)
	if err != nil {
		return p, err
	}
	p.Cursor = ids[len(ids)-1]
	p.Recipients += len(page)
	p.Emailed += emailed
	p.Pages++
	p.Done = len(page) < BroadcastPageSize
	return p, nil
}

// handOff gives every row to its recipient's inbox, a few at a time, and
// counts those who will get it by email.
func (a *Broadcast) handOff(ctx context.Context, rows []models.Notification) (int, error) {
	var emailed atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(handOffs)
	for i := range rows {
		g.Go(func() error {
			chs, err := a.HandOff(ctx, &rows[i])
			if slices.Contains(chs, models.ChannelEmail) {
				emailed.Add(1)
			}
			return err
		})
	}
	err := g.Wait()
	return int(emailed.Load()), err
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
