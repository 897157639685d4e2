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

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// PushConfig is what a Pusher is made of.
type PushConfig struct {
	PublicKey  string
	PrivateKey string
	Subject    string         // mailto: or https: contact for the push services
	AllowHTTP  bool           // development: a local push service over http
	Allow      []netip.Prefix // tests only: non-public prefixes the client may dial (see pushGuard)
}

// Pusher sends digests by Web Push (VAPID) to every browser a user
// subscribed, and forgets subscriptions the push service says are gone.
type Pusher struct {
	PushConfig
	Store *store.Store
	// Waits before sending again to the subscriptions that failed; the ones
	// that got the digest are not sent it again.
	Retries []time.Duration
	guard   *ssrf.Guardian
	client  *http.Client
}

// NewPusher returns a Pusher whose client dials only public addresses.
func NewPusher(st *store.Store, c PushConfig) *Pusher {
	g := pushGuard(c.Allow)
	return &Pusher{PushConfig: c, Store: st, Retries: []time.Duration{time.Second, 4 * time.Second}, guard: g, client: pushClient(g)}
}

type pushPayload struct {
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	GroupKey string   `json:"group_key"`
	IDs      []string `json:"notification_ids"`
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
	pending, err := p.Store.PushSubscriptions(ctx, userID)
	if err != nil {
		return err
	}
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
	msg = slices.Clip(msg) // webpush-go appends to the message: no spare room to share between sends
	var errs []error
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			if attempt > len(p.Retries) {
				return temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("push not delivered to %d subscription(s)", len(pending)), "PushUndelivered", errors.Join(errs...))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(p.Retries[attempt-1]):
			}
		}
		pending, errs = p.sendEach(ctx, pending, msg, urgency)
	}
	return nil
}

// sendEach sends msg to every subscription at once and returns those that
// failed, with why.
func (p *Pusher) sendEach(ctx context.Context, subs []models.PushSubscription, msg []byte, urgency webpush.Urgency) ([]models.PushSubscription, []error) {
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Go(func() { errs[i] = p.sendOne(ctx, s, msg, urgency) })
	}
	wg.Wait()
	var failed []models.PushSubscription
	var why []error
	for i, err := range errs {
		if err != nil {
			failed, why = append(failed, subs[i]), append(why, err)
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
