package billing

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Charge is one off-session charge of a saved card.
type Charge struct {
	IdempotencyKey string // the provider charges a key once
	Customer       string
	PaymentMethod  string
	AmountCents    int64
	Currency       string
	Description    string
	Metadata       map[string]string // returned by the provider's webhooks
}

// Result is a charge's outcome. A decline is a result, not an error;
// errors are failures to reach the provider, worth a retry.
type Result struct {
	ID            string
	Status        models.PaymentStatus // pending: the provider will tell through a webhook
	FailureReason string
}

// Provider is a payment provider.
type Provider interface {
	Name() string
	// Customer returns the provider's customer for a fan paying with
	// paymentMethod, creating it once.
	Customer(ctx context.Context, fanID uuid.UUID, paymentMethod string) (string, error)
	Charge(ctx context.Context, c Charge) (Result, error)
}

// Metadata keys the workflow's charges carry, so that webhooks find them.
const (
	MetaWorkflowID     = "workflow_id"
	MetaIdempotencyKey = "idempotency_key"
)
