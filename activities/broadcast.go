package activities

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// BroadcastPageSize is the recipients of one page: one batch of inbox rows
// and at most one SendGrid request (it takes up to 1,000 personalizations).
const BroadcastPageSize = 1000

// handOffs is how many recipients' inboxes a page signals at once.
const handOffs = 8

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
	Inboxes   Inboxes
	Now       func() time.Time
}

// Inboxes is the platform's notifier (package notifier) as a broadcast page
// uses it; declared here, where it is used, because the notifier sits
// above the activities (see Notify).
type Inboxes interface {
	// HandOff gives a recipient's row to their inbox workflow, which sends
	// its email and push under the recipient's quiet hours and hourly caps,
	// and says on which channels.
	HandOff(ctx context.Context, row *models.Notification) ([]models.Channel, error)
}

// DeliverPage writes the inbox rows of the next page of recipients and
// publishes them to those online. It mails, in one batch, the recipients
// who want the email and whom no rule holds back now: outside their quiet
// hours and not emailed within the hour, so under any hourly cap. The
// others who want email or push go to their inbox, whose quiet hours and
// caps decide. A retry of the same page writes no second row: row ids
// derive from the broadcast and the recipient (a retried page may mail or
// hand off twice).
func (a *Broadcast) DeliverPage(ctx context.Context, b models.Broadcast, p models.BroadcastProgress) (models.BroadcastProgress, error) {
	page, err := a.recipients(ctx, b, p.Cursor)
	if err != nil {
		return p, err
	}
	if len(page) == 0 {
		p.Done = true
		return p, nil
	}
	users := make([]uuid.UUID, len(page))
	ids := make([]string, len(page))
	for i, r := range page {
		users[i], ids[i] = r.UserID, r.UserID.String()
	}
	rows, err := notify.BroadcastRows(b, users)
	if err != nil {
		return p, temporal.NewNonRetryableApplicationError(err.Error(), "BadBroadcast", err)
	}
	cat := models.Categories[b.Category]
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
			if _, err := a.Publisher.Publish(ctx, realtime.UserRoom(ids[i]), notify.Event(&rows[i])); err != nil {
				return p, err
			}
			p.Pushed++
		}
	}
	mail, inbox := a.lanes(page, rows, cat)
	if len(mail) > 0 {
		sent, err := a.Mailer.SendBatch(ctx, mail, cat.Name, b.Title, b.Body)
		if err != nil {
			return p, err
		}
		p.Emailed += sent
	}
	emailed, err := a.handOff(ctx, inbox)
	if err != nil {
		return p, err
	}
	p.Emailed += emailed
	p.Cursor = ids[len(ids)-1]
	p.Recipients += len(page)
	p.Pages++
	p.Done = len(page) < BroadcastPageSize
	return p, nil
}

// recipients reads the page of the broadcast's audience after the cursor.
func (a *Broadcast) recipients(ctx context.Context, b models.Broadcast, after string) ([]store.Recipient, error) {
	artist, err := uuid.Parse(b.ArtistID)
	if err != nil {
		return nil, err
	}
	switch b.Audience {
	case models.AudienceFollowers, "":
		return a.Store.FollowerPage(ctx, artist, after, BroadcastPageSize)
	}
	return nil, temporal.NewNonRetryableApplicationError("unknown audience "+string(b.Audience), "UnknownAudience", nil)
}

// lanes splits a page into those mailed in its batch and the rows handed
// to their recipients' inboxes: those who get push (the inbox sends it), and
// those who want the email but are in their quiet hours or were emailed
// within the hour (which an hourly cap may count). Urgent categories pass
// quiet hours and caps in the inbox too.
func (a *Broadcast) lanes(page []store.Recipient, rows []models.Notification, cat models.Category) (mail []store.Recipient, inbox []*models.Notification) {
	now := a.Now()
	for i, r := range page {
		email := models.Wants(r.Channels, r.EmailUnsubscribed, cat, models.ChannelEmail)
		push := r.Push && models.Wants(r.Channels, r.EmailUnsubscribed, cat, models.ChannelPush)
		_, quiet := models.InboxSettings{QuietStart: r.QuietStart, QuietEnd: r.QuietEnd, TimeZone: r.TimeZone}.QuietUntil(now)
		recent := r.EmailedAt != nil && now.Sub(*r.EmailedAt) < time.Hour
		switch {
		case push || email && (quiet || recent) && cat.Priority != models.PriorityUrgent:
			inbox = append(inbox, &rows[i])
		case email:
			mail = append(mail, r)
		}
	}
	return mail, inbox
}

// handOff gives rows to their recipients' inboxes, a few at a time, and
// counts those who will get it by email.
func (a *Broadcast) handOff(ctx context.Context, rows []*models.Notification) (int, error) {
	var emailed atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(handOffs)
	for _, row := range rows {
		g.Go(func() error {
			chs, err := a.Inboxes.HandOff(ctx, row)
			if slices.Contains(chs, models.ChannelEmail) {
				emailed.Add(1)
			}
			return err
		})
	}
	err := g.Wait()
	return int(emailed.Load()), err
}
