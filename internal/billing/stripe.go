package billing

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v82"

	"github.com/fanfare/fanfare/models"
)

// Stripe charges saved cards off-session with PaymentIntents.
type Stripe struct {
	client *stripe.Client
}

// NewStripe returns the Stripe provider; url "" is Stripe's api.
func NewStripe(secretKey, url string) *Stripe {
	cfg := &stripe.BackendConfig{MaxNetworkRetries: stripe.Int64(2)}
	if url != "" {
		cfg.URL = stripe.String(url)
	}
	return &Stripe{client: stripe.NewClient(secretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))}
}

// Name is "stripe".
func (s *Stripe) Name() string { return "stripe" }

// Customer creates the fan's Stripe customer with paymentMethod as its
// default card; the idempotency key makes a retry return the same one.
func (s *Stripe) Customer(ctx context.Context, fanID uuid.UUID, paymentMethod string) (string, error) {
	p := &stripe.CustomerCreateParams{
		PaymentMethod:   stripe.String(paymentMethod),
		InvoiceSettings: &stripe.CustomerCreateInvoiceSettingsParams{DefaultPaymentMethod: stripe.String(paymentMethod)},
	}
	p.AddMetadata("fan_id", fanID.String())
	p.SetIdempotencyKey("customer/" + fanID.String() + "/" + paymentMethod)
	c, err := s.client.V1Customers.Create(ctx, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && (se.Type == stripe.ErrorTypeCard || se.Type == stripe.ErrorTypeInvalidRequest) {
			return "", models.FieldError("payment_method", "the payment method was refused: %s", se.Msg)
		}
		return "", err
	}
	return c.ID, nil
}

// Charge confirms an off-session PaymentIntent under the charge's
// idempotency key: Stripe answers a retry with the first outcome.
func (s *Stripe) Charge(ctx context.Context, c Charge) (Result, error) {
	p := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(c.AmountCents),
		Currency:      stripe.String(c.Currency),
		Customer:      stripe.String(c.Customer),
		PaymentMethod: stripe.String(c.PaymentMethod),
		Description:   stripe.String(c.Description),
		Confirm:       stripe.Bool(true),
		OffSession:    stripe.Bool(true),
	}
	for k, v := range c.Metadata {
		p.AddMetadata(k, v)
	}
	p.SetIdempotencyKey(c.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Type == stripe.ErrorTypeCard {
			r := Result{Status: models.PaymentFailed, FailureReason: string(se.Code)}
			if se.DeclineCode != "" {
				r.FailureReason = string(se.DeclineCode)
			}
			if se.PaymentIntent != nil {
				r.ID = se.PaymentIntent.ID
			}
			return r, nil
		}
		return Result{}, err
	}
	r := Result{ID: pi.ID, Status: models.PaymentPending}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		r.Status = models.PaymentSucceeded
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusCanceled, stripe.PaymentIntentStatusRequiresAction:
		// Off-session, nobody is there to authenticate: a failure.
		r.Status, r.FailureReason = models.PaymentFailed, string(pi.Status)
	}
	return r, nil
}
