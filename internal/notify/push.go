package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Pusher sends digests by Web Push (VAPID) to every browser a user
// subscribed, and forgets subscriptions the push service says are gone.
type Pusher struct {
	Store      *store.Store
	PublicKey  string
	PrivateKey string
	Subject    string // mailto: or https: contact for the push services
}

type pushPayload struct {
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	GroupKey string   `json:"group_key"`
	IDs      []string `json:"notification_ids"`
}

// Send implements activities.Sender for the push channel.
func (p *Pusher) Send(ctx context.Context, d models.Digest) error {
	userID, err := uuid.Parse(d.UserID)
	if err != nil {
		return err
	}
	subs, err := p.Store.PushSubscriptions(ctx, userID)
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
	for _, s := range subs {
		resp, err := webpush.SendNotificationWithContext(ctx, msg, &webpush.Subscription{
			Endpoint: s.Endpoint, Keys: webpush.Keys{P256dh: s.P256dh, Auth: s.Auth},
		}, &webpush.Options{
			Subscriber: p.Subject, VAPIDPublicKey: p.PublicKey, VAPIDPrivateKey: p.PrivateKey,
			TTL: 24 * 60 * 60, Urgency: urgency, Topic: "",
		})
		if err != nil {
			return err
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			if err := p.Store.DeletePushEndpoint(ctx, s.Endpoint); err != nil {
				return err
			}
		case resp.StatusCode >= 300:
			return fmt.Errorf("push service answered %d", resp.StatusCode)
		}
	}
	return nil
}
