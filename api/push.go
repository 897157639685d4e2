package api

import (
	"crypto/ecdh"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/models"
)

type pushKeys struct {
	P256dh string `json:"p256dh" validate:"required,max=128"`
	Auth   string `json:"auth" validate:"required,max=64"`
}

type pushSubscriptionRequest struct {
	Endpoint string   `json:"endpoint" validate:"required,max=1024"`
	Keys     pushKeys `json:"keys"`
}

type pushUnsubscribeRequest struct {
	Endpoint string `json:"endpoint" validate:"required,max=1024"`
}

type vapidKeyResponse struct {
	PublicKey string `json:"public_key" description:"applicationServerKey for PushManager.subscribe"`
}

func (s *Server) pushRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/push/vapid-key", op{summary: "The VAPID public key browsers subscribe with", tag: "notifications",
		out: vapidKeyResponse{}, errors: []int{http.StatusServiceUnavailable}}, s.vapidKey)
	r.add(fiber.MethodPost, "/api/push/subscriptions", op{summary: "Register this browser's push subscription (PushSubscription.toJSON()); at most 10 a user, a new one replacing the oldest; an endpoint another account holds is a 409",
		tag: "notifications", auth: true, in: pushSubscriptionRequest{}, status: http.StatusCreated, errors: []int{http.StatusConflict, http.StatusServiceUnavailable}},
		s.authenticate, s.subscribePush)
	r.add(fiber.MethodDelete, "/api/push/subscriptions", op{summary: "Forget a push subscription of mine", tag: "notifications",
		auth: true, in: pushUnsubscribeRequest{}, status: http.StatusNoContent, errors: []int{http.StatusNotFound}},
		s.authenticate, s.unsubscribePush)
}

// maxPushSubscriptions is the browsers a user may have subscribed at once;
// a new one beyond it replaces their oldest.
const maxPushSubscriptions = 10

var errPushOff = models.Errorf(models.CodeUnavailable, "web push is not configured")

func (s *Server) vapidKey(c *fiber.Ctx) error {
	if s.Pusher == nil {
		return errPushOff
	}
	return c.JSON(vapidKeyResponse{PublicKey: s.Pusher.PublicKey})
}

func (s *Server) subscribePush(c *fiber.Ctx) error {
	if s.Pusher == nil {
		return errPushOff
	}
	req, err := decodeJSON[pushSubscriptionRequest](c)
	if err != nil {
		return err
	}
	if err := s.Pusher.CheckEndpoint(req.Endpoint); err != nil {
		return err
	}
	key, err := decodeKey(req.Keys.P256dh)
	if _, perr := ecdh.P256().NewPublicKey(key); err != nil || perr != nil {
		return models.FieldError("keys.p256dh", "p256dh must be an uncompressed P-256 public key, base64url")
	}
	if auth, err := decodeKey(req.Keys.Auth); err != nil || len(auth) != 16 {
		return models.FieldError("keys.auth", "auth must be 16 bytes, base64url")
	}
	p, _ := caller(c)
	if err := s.Store.SavePushSubscription(c.UserContext(), &models.PushSubscription{
		ID: models.NewID(), UserID: p.UserID, Endpoint: req.Endpoint, P256dh: req.Keys.P256dh, Auth: req.Keys.Auth, CreatedAt: s.Auth.Now(),
	}, maxPushSubscriptions); err != nil {
		return err
	}
	return c.SendStatus(http.StatusCreated)
}

func (s *Server) unsubscribePush(c *fiber.Ctx) error {
	req, err := decodeJSON[pushUnsubscribeRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	found, err := s.Store.DeletePushSubscription(c.UserContext(), p.UserID, req.Endpoint)
	if err != nil {
		return err
	}
	if !found {
		return models.ErrNotFound
	}
	return c.SendStatus(http.StatusNoContent)
}

// decodeKey reads base64url with or without padding, as browsers send it.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
