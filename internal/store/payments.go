package store

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// BeginPayment writes a pending ledger line for a charge attempt, or
// returns the line already written under its idempotency key.
func (s *Store) BeginPayment(ctx context.Context, p models.Payment) (*models.Payment, error) {
	p.ID, p.Status = models.NewID(), models.PaymentPending
	return createOnce(s, ctx, &p, func() (*models.Payment, error) { return s.PaymentByKey(ctx, p.IdempotencyKey) })
}

// createOnce inserts row unless its key exists, and returns the row the
// table holds: row itself in one round trip, or the one found by prior.
func createOnce[T any](s *Store, ctx context.Context, row *T, prior func() (*T, error)) (*T, error) {
	res := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(row)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 1 {
		return row, nil
	}
	return prior()
}

// SettlePayment records the outcome of a charge. Success is final: a
// replayed or late webhook never turns it back (a failed charge may still
// succeed later, as Stripe's can).
func (s *Store) SettlePayment(ctx context.Context, key string, status models.PaymentStatus, providerID, reason string) error {
	return s.DB(ctx).Model(&models.Payment{}).Where("idempotency_key = ? AND status <> ?", key, models.PaymentSucceeded).
		Updates(map[string]any{"status": status, "provider_payment_id": providerID, "failure_reason": reason}).Error
}

// PaymentByKey returns the ledger line of an idempotency key.
func (s *Store) PaymentByKey(ctx context.Context, key string) (*models.Payment, error) {
	return first[models.Payment](s.DB(ctx).Where("idempotency_key = ?", key))
}

// SandboxCharge returns the sandbox's charge for an idempotency key.
func (s *Store) SandboxCharge(ctx context.Context, key string) (*models.SandboxCharge, error) {
	return first[models.SandboxCharge](s.DB(ctx).Where("idempotency_key = ?", key))
}

// CreateSandboxCharge records a sandbox charge once per idempotency key and
// returns the one recorded.
func (s *Store) CreateSandboxCharge(ctx context.Context, c models.SandboxCharge) (*models.SandboxCharge, error) {
	return createOnce(s, ctx, &c, func() (*models.SandboxCharge, error) { return s.SandboxCharge(ctx, c.IdempotencyKey) })
}

// SandboxDecline returns why the sandbox declines a customer's card ("" = it does not).
func (s *Store) SandboxDecline(ctx context.Context, customer string) (string, error) {
	var reasons []string
	err := s.DB(ctx).Model(&models.SandboxCard{}).Where("customer = ?", customer).Pluck("decline", &reasons).Error
	if len(reasons) == 0 {
		return "", err
	}
	return reasons[0], err
}

// SetSandboxDecline tells the sandbox to decline a customer's card ("" to stop).
func (s *Store) SetSandboxDecline(ctx context.Context, c models.SandboxCard) error {
	return s.DB(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&c).Error
}
