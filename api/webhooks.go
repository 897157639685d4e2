package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

type sendGridEvent struct {
	Email string `json:"email"`
	Event string `json:"event"`
}

type webhookResponse struct {
	Suppressed int `json:"suppressed"`
}

// Events after which an address gets no more mail.
var suppressingEvents = map[string]bool{"bounce": true, "dropped": true, "spamreport": true, "unsubscribe": true, "group_unsubscribe": true}

// webhookMaxAge refuses replays of an old, validly signed request.
const webhookMaxAge = 10 * time.Minute

func (s *Server) webhookRoutes(r *routes) {
	r.add(fiber.MethodPost, "/api/webhooks/sendgrid", op{summary: "SendGrid's signed event webhook: bounces, spam reports and unsubscribes suppress the address",
		tag: "webhooks", out: webhookResponse{}, errors: []int{http.StatusUnauthorized, http.StatusBadRequest}}, s.sendGridWebhook)
}

func (s *Server) sendGridWebhook(c *fiber.Ctx) error {
	forged := models.Errorf(models.CodeUnauthorized, "invalid webhook signature")
	if s.Config.SendGridWebhookKey == "" {
		return forged
	}
	key, _ := config.WebhookKey(s.Config.SendGridWebhookKey) // validated with the config
	ts := c.Get(eventwebhook.TimestampHTTPHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > webhookMaxAge {
		return forged
	}
	ok, err := eventwebhook.VerifySignature(key, c.Body(), c.Get(eventwebhook.VerificationHTTPHeader), ts)
	if err != nil || !ok {
		return forged
	}
	var events []sendGridEvent
	if err := json.Unmarshal(c.Body(), &events); err != nil {
		return models.Errorf(models.CodeInvalid, "body must be a JSON array of events")
	}
	var sup []models.Suppression
	now := s.Auth.Now()
	for _, e := range events {
		if suppressingEvents[e.Event] && e.Email != "" {
			sup = append(sup, models.Suppression{Email: e.Email, Reason: e.Event, CreatedAt: now})
		}
	}
	if len(sup) > 0 {
		if err := s.Store.Suppress(c.UserContext(), sup); err != nil {
			return err
		}
	}
	return c.JSON(webhookResponse{Suppressed: len(sup)})
}
