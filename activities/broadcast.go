package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
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
	Pusher    WebPusher // nil when push is off
	Inboxes   Inboxes
	Now       func() time.Time
}

// WebPusher sends broadcast rows by Web Push (notify.Pusher).
type WebPusher interface {
	// PushRows pushes each row to every browser its user subscribed,
	// retrying a failing browser on its own and giving it up after that;
	// it returns how many rows reached a browser and why each browser
	// given up failed.
	PushRows(ctx context.Context, rows []*models.Notification) (reached int, undelivered []error, err error)
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

// DeliverPage writes the inbox rows of the next page of recipients, each
// listing the channels of the category its recipient wants, and publishes
// them to those online. Recipients whom no rule holds back now (outside
// their quiet hours, not emailed or pushed within the hour, so under any
// hourly cap) are mailed in one batch and pushed directly; the others who
// want email or push go to their inbox, whose quiet hours and caps decide.
// A retry of the same page writes no second row: row ids derive from the
// broadcast and the recipient (a retried page may mail or hand off twice).
// Pushes go last and never fail the page: a browser failing is retried on
// its own, so a page retry never pushes twice to the browsers reached.
func (a *Broadcast) DeliverPage(ctx context.Context, b models.Broadcast, p models.BroadcastProgress) (models.BroadcastProgress, error) {
	page, err := a.recipients(ctx, b, p.Cursor)
	if err != nil {
		return p, err
	}
	if len(page) == 0 {
		p.Done = true
		return p, nil
	}
	cat := models.Categories[b.Category]
	users := make([]uuid.UUID, len(page))
	ids := make([]string, len(page))
	chans := make([][]models.Channel, len(page))
	for i, r := range page {
		users[i], ids[i], chans[i] = r.UserID, r.UserID.String(), a.channels(r, cat)
	}
	rows, err := notify.BroadcastRows(b, users, chans)
	if err != nil {
		return p, temporal.NewNonRetryableApplicationError(err.Error(), "BadBroadcast", err)
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
			if _, err := a.Publisher.Publish(ctx, realtime.UserRoom(ids[i]), notify.Event(&rows[i])); err != nil {
				return p, err
			}
			p.Pushed++
		}
	}
	mail, push, inbox := a.lanes(page, chans, rows, cat)
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
	if len(push) > 0 {
		reached, err := a.push(ctx, push)
		if err != nil {
			return p, err
		}
		p.WebPushed += reached
	}
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
	case models.AudienceMembers:
		if len(b.Tiers) == 0 || slices.ContainsFunc(b.Tiers, func(t models.Tier) bool { return !t.Paid() }) {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("a members audience needs paid tiers, not %q", b.Tiers), "BadAudience", nil)
		}
		return a.Store.MemberPage(ctx, artist, b.Tiers, after, BroadcastPageSize)
	case models.AudienceNonMembers:
		return a.Store.NonMemberPage(ctx, artist, after, BroadcastPageSize)
	case models.AudienceParty:
		party, err := uuid.Parse(b.PartyID)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError("a party audience needs its party: "+err.Error(), "BadAudience", nil)
		}
		return a.Store.PartyGuestPage(ctx, artist, party, b.Tiers, after, BroadcastPageSize)
	}
	return nil, temporal.NewNonRetryableApplicationError("unknown audience "+string(b.Audience), "UnknownAudience", nil)
}

// channels is what a broadcast of cat reaches r on: in-app always, email
// and push as models.Wants says, push only to a user with a subscribed
// browser while this worker pushes.
func (a *Broadcast) channels(r store.Recipient, cat models.Category) []models.Channel {
	out := []models.Channel{models.ChannelInApp}
	for _, ch := range cat.Channels {
		switch {
		case ch == models.ChannelInApp, ch == models.ChannelPush && (!r.Push || a.Pusher == nil):
		case models.Wants(r.Channels, r.EmailUnsubscribed, cat, ch):
			out = append(out, ch)
		}
	}
	return out
}

// lanes splits a page by recipient: those no rule holds back now are
// mailed in its batch and pushed directly, on the channels they want; the
// rows of those who want email or push but are in their quiet hours, or
// were emailed or pushed within the hour (which an hourly cap may count),
// go to their inbox, whole, so that no channel reaches them twice.
// Urgent categories pass quiet hours and caps in the inbox too.
func (a *Broadcast) lanes(page []store.Recipient, chans [][]models.Channel, rows []models.Notification, cat models.Category) (mail []store.Recipient, push, inbox []*models.Notification) {
	now := a.Now()
	recent := func(t *time.Time) bool { return t != nil && now.Sub(*t) < time.Hour }
	for i, r := range page {
		email, pushed := slices.Contains(chans[i], models.ChannelEmail), slices.Contains(chans[i], models.ChannelPush)
		_, quiet := models.InboxSettings{QuietStart: r.QuietStart, QuietEnd: r.QuietEnd, TimeZone: r.TimeZone}.QuietUntil(now)
		held := cat.Priority != models.PriorityUrgent && (quiet || email && recent(r.EmailedAt) || pushed && recent(r.PushedAt))
		switch {
		case held && (email || pushed):
			inbox = append(inbox, &rows[i])
		case email && pushed:
			mail, push = append(mail, r), append(push, &rows[i])
		case email:
			mail = append(mail, r)
		case pushed:
			push = append(push, &rows[i])
		}
	}
	return mail, push, inbox
}

// pushMargin is the time a page keeps after its pushes for the rest,
// before its start-to-close timeout.
const pushMargin = 30 * time.Second

// push sends the rows by Web Push, heartbeating while it waits: a failing
// browser's retries may outlast the heartbeat timeout. Browsers given up
// are logged, not failed on (see DeliverPage), and so are pushes still
// unsent near the page's timeout (a slow push service): a page timing out
// would be retried and push again to all.
func (a *Broadcast) push(ctx context.Context, rows []*models.Notification) (int, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-pushMargin))
		defer cancel()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx, "pushing")
			}
		}
	})
	reached, undelivered, err := a.Pusher.PushRows(ctx, rows)
	close(done)
	wg.Wait()
	if len(undelivered) > 0 {
		activity.GetLogger(ctx).Warn("broadcast push given up", "browsers", len(undelivered), "error", errors.Join(undelivered...))
	}
	return reached, err
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
