package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"go.temporal.io/api/serviceerror"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
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

const (
	sendGridWebhookPath = "/api/webhooks/sendgrid"
	stripeWebhookPath   = "/api/webhooks/stripe"
)

func (s *Server) webhookRoutes(r *routes) {
	r.add(fiber.MethodPost, sendGridWebhookPath, op{summary: "SendGrid's signed event webhook: bounces, spam reports and unsubscribes suppress the address",
		tag: "webhooks", out: webhookResponse{}, errors: []int{http.StatusUnauthorized, http.StatusBadRequest}}, s.sendGridWebhook)
	r.add(fiber.MethodPost, stripeWebhookPath, op{summary: "Stripe's signed webhook: payment outcomes reach the membership workflow",
		tag: "webhooks", out: stripeWebhookResponse{}, errors: []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusServiceUnavailable}}, s.stripeWebhook)
}

type stripeWebhookResponse struct {
	Handled bool `json:"handled" description:"false for events about nothing Fanfare runs (acknowledged so Stripe stops retrying)"`
}

// stripeOutcomes: the events that settle a charge, and whether it succeeded.
var stripeOutcomes = map[stripe.EventType]bool{
	stripe.EventTypePaymentIntentSucceeded:     true,
	stripe.EventTypePaymentIntentPaymentFailed: false,
}

// stripeWebhook verifies Stripe's signature (which also refuses replays
// older than five minutes) and signals the membership whose charge it
// reports. A replay inside that window is a signal the workflow ignores.
func (s *Server) stripeWebhook(c *fiber.Ctx) error {
	if s.Config.StripeWebhookSecret == "" {
		return models.Errorf(models.CodeUnauthorized, "invalid webhook signature")
	}
	ev, err := webhook.ConstructEvent(c.Request().Body(), c.Get("Stripe-Signature"), s.Config.StripeWebhookSecret)
	if err != nil {
		return models.Errorf(models.CodeUnauthorized, "invalid webhook signature")
	}
	succeeded, ok := stripeOutcomes[ev.Type]
	if !ok || ev.Data == nil {
		return c.JSON(stripeWebhookResponse{})
	}
	var pi stripe.PaymentIntent
	if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
		return models.Errorf(models.CodeInvalid, "data.object must be a PaymentIntent")
	}
	wf, key := pi.Metadata[billing.MetaWorkflowID], pi.Metadata[billing.MetaIdempotencyKey]
	if !workflows.IsSubscriptionID(wf) || !strings.HasPrefix(key, wf+"/") {
		return c.JSON(stripeWebhookResponse{})
	}
	pe := workflows.PaymentEvent{Key: key, PaymentID: pi.ID}
	if e := pi.LastPaymentError; e != nil {
		pe.FailureReason = string(e.Code)
		if e.DeclineCode != "" {
			pe.FailureReason = string(e.DeclineCode)
		}
	}
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	if err := s.memberships().ReportPayment(ctx, wf, succeeded, pe); err != nil {
		if errors.As(err, new(*serviceerror.NotFound)) {
			return c.JSON(stripeWebhookResponse{}) // the membership ended
		}
		return err
	}
	return c.JSON(stripeWebhookResponse{Handled: true})
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
	ok, err := eventwebhook.VerifySignature(key, c.Request().Body(), c.Get(eventwebhook.VerificationHTTPHeader), ts)
	if err != nil || !ok {
		return forged
	}
	var events []sendGridEvent
	if err := json.Unmarshal(c.Request().Body(), &events); err != nil {
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
