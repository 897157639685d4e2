package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"code.dny.dev/ssrf"

	"github.com/fanfare/fanfare/internal/egress"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// PushConfig is what a Pusher is made of.
type PushConfig struct {
	PublicKey  string
	PrivateKey string
	Subject    string         // mailto: or https: contact for the push services
	AllowHTTP  bool           // development: a local push service over http
	Allow      []netip.Prefix // tests only: non-public prefixes the client may dial (see egress.Guard)
}

// Pusher sends digests and broadcast rows by Web Push (VAPID) to every
// browser a user subscribed, and forgets subscriptions the push service
// says are gone.
type Pusher struct {
	PushConfig
	Store *store.Store
	// Waits before sending again to the subscriptions that failed; the ones
	// that got the message are not sent it again.
	Retries []time.Duration
	Now     func() time.Time
	guard   *ssrf.Guardian
	client  *http.Client
}

// NewPusher returns a Pusher whose client dials only public addresses.
func NewPusher(st *store.Store, c PushConfig) *Pusher {
	g := egress.Guard(c.Allow)
	return &Pusher{PushConfig: c, Store: st, Retries: []time.Duration{time.Second, 4 * time.Second}, Now: time.Now, guard: g, client: egress.Client(g)}
}

// pagePushes is how many pushes a broadcast page has in flight at once.
const pagePushes = 32

type pushPayload struct {
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	GroupKey string   `json:"group_key"`
	IDs      []string `json:"notification_ids"`
}

// pushJob is one message for one browser.
type pushJob struct {
	sub     models.PushSubscription
	msg     []byte
	urgency webpush.Urgency
}

// Send implements activities.Sender for the push channel. Each browser is
// sent to on its own: one that fails is tried again (Retries) without the
// others getting the digest twice, and one still failing after that is
// reported as a non-retryable error, so Temporal does not resend to all.
func (p *Pusher) Send(ctx context.Context, d models.Digest) error {
	userID, err := uuid.Parse(d.UserID)
	if err != nil {
		return err
	}
	subs, err := p.Store.PushSubscriptions(ctx, userID)
	if err != nil {
		return err
	}
	msg, urgency := message(d)
	jobs := make([]pushJob, len(subs))
	for i, s := range subs {
		jobs[i] = pushJob{s, msg, urgency}
	}
	failed, errs := p.deliver(ctx, jobs, len(jobs))
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(failed) < len(jobs) {
		if err := p.Store.MarkPushed(ctx, []uuid.UUID{userID}, p.Now()); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("push not delivered to %d subscription(s)", len(failed)), "PushUndelivered", errors.Join(errs...))
	}
	return nil
}

// PushRows implements activities.WebPusher: it pushes each row to every
// browser its user subscribed, pagePushes at once. A browser that fails is
// sent again on its own (Retries), and one still failing after that is
// given up, not failed on: the caller's retry would push again to every
// browser that got it. So are those still unsent when ctx ends. It records
// who got it, and returns how many rows reached a browser and why each
// browser given up failed (err is for the database).
func (p *Pusher) PushRows(ctx context.Context, rows []*models.Notification) (reached int, undelivered []error, err error) {
	users := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		users[i] = r.UserID
	}
	subs, err := p.Store.PushSubscriptionsOf(ctx, users)
	if err != nil {
		return 0, nil, err
	}
	byUser := map[uuid.UUID][]models.PushSubscription{}
	for _, s := range subs {
		byUser[s.UserID] = append(byUser[s.UserID], s)
	}
	var jobs []pushJob
	for _, r := range rows {
		msg, urgency := message(models.Digest{UserID: r.UserID.String(), Channel: models.ChannelPush, GroupKey: r.GroupKey, Items: []models.InboxItem{{
			NotificationID: r.ID.String(), Category: r.Category, Channel: models.ChannelPush, GroupKey: r.GroupKey, Priority: r.Priority, Title: r.Title, Body: r.Body,
		}}})
		for _, s := range byUser[r.UserID] {
			jobs = append(jobs, pushJob{s, msg, urgency})
		}
	}
	failed, errs := p.deliver(ctx, jobs, pagePushes)
	got := map[uuid.UUID]int{} // browsers reached, per user
	for _, j := range jobs {
		got[j.sub.UserID]++
	}
	for _, j := range failed {
		got[j.sub.UserID]--
	}
	var pushed []uuid.UUID
	for u, n := range got {
		if n > 0 {
			pushed = append(pushed, u)
		}
	}
	if len(pushed) > 0 {
		// Recorded even when ctx ended: those pushes went out.
		if err := p.Store.MarkPushed(context.WithoutCancel(ctx), pushed, p.Now()); err != nil {
			return 0, nil, err
		}
	}
	return len(pushed), errs, nil
}

// message is the push payload of a digest, and its urgency.
func message(d models.Digest) ([]byte, webpush.Urgency) {
	subject, body := render(d)
	payload := pushPayload{Title: subject, Body: body, GroupKey: d.GroupKey}
	urgency := webpush.UrgencyNormal
	for _, it := range d.Items {
		payload.IDs = append(payload.IDs, it.NotificationID)
		if it.Priority == models.PriorityUrgent || it.Priority == models.PriorityHigh {
			urgency = webpush.UrgencyHigh
		}
	}
	msg, _ := json.Marshal(payload)
	return slices.Clip(msg), urgency // webpush-go appends to the message: no spare room to share between sends
}

// deliver sends every job, at most limit at once, and then, after each of
// Retries, again the ones that failed. It returns those still failing,
// with why; when ctx ends, the ones not sent yet.
func (p *Pusher) deliver(ctx context.Context, jobs []pushJob, limit int) (failed []pushJob, why []error) {
	failed = jobs
	for attempt := 0; len(failed) > 0; attempt++ {
		if attempt > 0 {
			if attempt > len(p.Retries) {
				return failed, why
			}
			select {
			case <-ctx.Done():
				return failed, append(why, ctx.Err())
			case <-time.After(p.Retries[attempt-1]):
			}
		}
		failed, why = p.sendEach(ctx, failed, limit)
	}
	return nil, nil
}

// sendEach sends every job, at most limit at once, and returns those that
// failed, with why.
func (p *Pusher) sendEach(ctx context.Context, jobs []pushJob, limit int) ([]pushJob, []error) {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(limit, 1))
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = p.sendOne(ctx, j.sub, j.msg, j.urgency)
		})
	}
	wg.Wait()
	var failed []pushJob
	var why []error
	for i, err := range errs {
		if err != nil {
			failed, why = append(failed, jobs[i]), append(why, err)
		}
	}
	return failed, why
}

func (p *Pusher) sendOne(ctx context.Context, s models.PushSubscription, msg []byte, urgency webpush.Urgency) error {
	resp, err := webpush.SendNotificationWithContext(ctx, msg, &webpush.Subscription{
		Endpoint: s.Endpoint, Keys: webpush.Keys{P256dh: s.P256dh, Auth: s.Auth},
	}, &webpush.Options{
		HTTPClient: p.client,
		// webpush-go prefixes mailto: itself unless the subject is an https URL.
		Subscriber: strings.TrimPrefix(p.Subject, "mailto:"), VAPIDPublicKey: p.PublicKey, VAPIDPrivateKey: p.PrivateKey,
		TTL: 24 * 60 * 60, Urgency: urgency,
	})
	host := endpointHost(s.Endpoint) // the path is the subscription's secret: not for logs
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err
	}
	if err != nil {
		return fmt.Errorf("push to %s: %w", host, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return p.Store.DeletePushEndpoint(ctx, s.Endpoint)
	case resp.StatusCode >= 300:
		return fmt.Errorf("push to %s: answered %d", host, resp.StatusCode)
	}
	return nil
}

func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "?"
	}
	return u.Host
}
