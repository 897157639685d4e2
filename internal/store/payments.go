package store

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// BeginPayment writes a pending ledger line for a charge attempt, or
// returns the line already written under its idempotency key.
func (s *Store) BeginPayment(ctx context.Context, p models.Payment) (*models.Payment, error) {
	p.ID, p.Status = models.NewID(), models.PaymentPending
	if err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&p).Error; err != nil {
		return nil, err
	}
	return s.PaymentByKey(ctx, p.IdempotencyKey)
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

// Payments lists a fan's ledger lines with an artist, oldest first.
func (s *Store) Payments(ctx context.Context, artistID, fanID uuid.UUID) ([]models.Payment, error) {
	var out []models.Payment
	err := s.DB(ctx).Where("artist_id = ? AND fan_id = ?", artistID, fanID).Order("created_at, id").Find(&out).Error
	return out, err
}

// SandboxCharge returns the sandbox's charge for an idempotency key.
func (s *Store) SandboxCharge(ctx context.Context, key string) (*models.SandboxCharge, error) {
	return first[models.SandboxCharge](s.DB(ctx).Where("idempotency_key = ?", key))
}

// CreateSandboxCharge records a sandbox charge once per idempotency key and
// returns the one recorded.
func (s *Store) CreateSandboxCharge(ctx context.Context, c models.SandboxCharge) (*models.SandboxCharge, error) {
	if err := s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error; err != nil {
		return nil, err
	}
	return s.SandboxCharge(ctx, c.IdempotencyKey)
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
