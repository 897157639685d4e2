package billing

import (
	"context"
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

// Customer is the fan's sandbox customer.
func (s *Sandbox) Customer(_ context.Context, fanID uuid.UUID, _ string) (string, error) {
	return SandboxCustomer(fanID), nil
}

// SandboxCustomer is the sandbox's customer of a fan.
func SandboxCustomer(fanID uuid.UUID) string { return "sbx_cus_" + fanID.String() }

// Charge records the charge, declined when the payment method is one of
// Stripe's declining test cards or the customer's card was told to decline.
// A key charged before answers its first outcome.
func (s *Sandbox) Charge(ctx context.Context, c Charge) (Result, error) {
	decline := sandboxDeclines[c.PaymentMethod]
	if decline == "" {
		var err error
		if decline, err = s.Store.SandboxDecline(ctx, c.Customer); err != nil {
			return Result{}, err
		}
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
