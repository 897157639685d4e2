package billing

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Sandbox is the payment provider of the embedded default and of demos:
// it charges nothing real, keeps its charges in the database (once per
// idempotency key, as Stripe does) and declines cards it has been told to
// decline, or Stripe's declining test payment methods.
type Sandbox struct {
	Store *store.Store
	Now   func() time.Time
}

// Stripe's test payment methods that decline, honoured by the sandbox too.
var sandboxDeclines = map[string]string{
	"pm_card_chargeDeclined":                  "card_declined",
	"pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
	"pm_card_chargeDeclinedExpiredCard":       "expired_card",
}

// Name is "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// Customer is the fan's sandbox customer; its card is paymentMethod.
func (s *Sandbox) Customer(ctx context.Context, fanID uuid.UUID, paymentMethod string) (string, error) {
	c := SandboxCustomer(fanID)
	return c, s.Store.SetSandboxDecline(ctx, models.SandboxCard{Customer: c, Decline: sandboxDeclines[paymentMethod], UpdatedAt: s.Now()})
}

// SandboxCustomer is the sandbox's customer of a fan.
func SandboxCustomer(fanID uuid.UUID) string { return "sbx_cus_" + fanID.String() }

// Charge records the charge, declined when the customer's card is.
func (s *Sandbox) Charge(ctx context.Context, c Charge) (Result, error) {
	prior, err := s.Store.SandboxCharge(ctx, c.IdempotencyKey)
	if err == nil {
		return Result{ID: prior.ID, Status: prior.Status, FailureReason: prior.FailureReason}, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return Result{}, err
	}
	decline, err := s.Store.SandboxDecline(ctx, c.Customer)
	if err != nil {
		return Result{}, err
	}
	row := models.SandboxCharge{IdempotencyKey: c.IdempotencyKey, ID: "sbx_pi_" + models.NewID().String(), Customer: c.Customer,
		AmountCents: c.AmountCents, Currency: c.Currency, Status: models.PaymentSucceeded, CreatedAt: s.Now()}
	if decline != "" {
		row.Status, row.FailureReason = models.PaymentFailed, decline
	}
	got, err := s.Store.CreateSandboxCharge(ctx, row)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: got.ID, Status: got.Status, FailureReason: got.FailureReason}, nil
}
