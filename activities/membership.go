package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Notify is the platform's notifier (package notifier): in-app row, socket
// event, and the inbox workflow for email and push. It is an interface
// declared here, where it is used, because the notifier sits above the
// activities (it starts workflows, which import activities): the
// composition root hands the one notifier in.
type Notify interface {
	Send(ctx context.Context, x notify.Notification) (*models.Notification, error)
}

// Membership does the I/O of the membership workflow: charges, the ledger,
// the mirror and quota rows, milestones. Every method is idempotent.
type Membership struct {
	Store   *store.Store
	Billing billing.Provider
	Rooms   Rechecker // nil where no socket can be affected (tests)
	Now     func() time.Time
}

// Rechecker has the api instances check their sockets' access to a room
// again (realtime.Publisher).
type Rechecker interface {
	Recheck(ctx context.Context, room, userID, reason string) error
}

// ChargeRequest is one charge of a membership.
type ChargeRequest struct {
	WorkflowID     string
	IdempotencyKey string
	ArtistID       uuid.UUID
	FanID          uuid.UUID
	Tier           models.Tier
	Period         int
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Reason         string // renewal, retry, upgrade
	AmountCents    int64
	Currency       string
	Customer       string
	PaymentMethod  string
}

// ChargeOutcome is what became of a charge.
type ChargeOutcome struct {
	PaymentID     string
	Status        models.PaymentStatus
	FailureReason string
}

// Charge writes the ledger line, charges the provider under the request's
// idempotency key and records the outcome. Run again after a crash, it
// returns the recorded outcome or asks the provider again under the same
// key, which charges at most once.
func (a *Membership) Charge(ctx context.Context, r ChargeRequest) (ChargeOutcome, error) {
	now := a.Now() // the ledger line carries the activity's clock, like the mirror and the history
	p, err := a.Store.BeginPayment(ctx, models.Payment{
		IdempotencyKey: r.IdempotencyKey, ArtistID: r.ArtistID, FanID: r.FanID, Tier: r.Tier, Period: r.Period,
		PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, Reason: r.Reason, AmountCents: r.AmountCents,
		Currency: r.Currency, Provider: a.Billing.Name(), CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return ChargeOutcome{}, err
	}
	if p.Status != models.PaymentPending {
		return ChargeOutcome{PaymentID: p.ProviderPaymentID, Status: p.Status, FailureReason: p.FailureReason}, nil
	}
	// Nothing buys a tier for free, and a provider refuses a charge below
	// its minimum: such a charge fails here instead of being retried.
	res := billing.Result{Status: models.PaymentFailed, FailureReason: "below_minimum"}
	if r.AmountCents >= models.MinChargeCents {
		res, err = a.Billing.Charge(ctx, billing.Charge{
			IdempotencyKey: r.IdempotencyKey, Customer: r.Customer, PaymentMethod: r.PaymentMethod,
			AmountCents: r.AmountCents, Currency: r.Currency,
			Description: fmt.Sprintf("Fan club %s, period %d (%s)", r.Tier, r.Period, r.Reason),
			Metadata:    map[string]string{billing.MetaWorkflowID: r.WorkflowID, billing.MetaIdempotencyKey: r.IdempotencyKey},
		})
		if err != nil {
			return ChargeOutcome{}, err
		}
	}
	if res.Status != models.PaymentPending {
		if err := a.Store.SettlePayment(ctx, r.IdempotencyKey, res.Status, res.ID, res.FailureReason); err != nil {
			return ChargeOutcome{}, err
		}
	}
	return ChargeOutcome{PaymentID: res.ID, Status: res.Status, FailureReason: res.FailureReason}, nil
}

// ClubTerms reads the club's prices and DM quota: the workflow charges
// what the database says, not what its caller passed.
func (a *Membership) ClubTerms(ctx context.Context, artistID uuid.UUID) (models.Terms, error) {
	club, err := a.Store.Club(ctx, artistID)
	if err != nil {
		return models.Terms{}, err
	}
	return club.Terms(), nil
}

// Settle records an outcome the provider reported later, by webhook.
func (a *Membership) Settle(ctx context.Context, key string, o ChargeOutcome) error {
	return a.Store.SettlePayment(ctx, key, o.Status, o.PaymentID, o.FailureReason)
}

// Record writes the membership's mirror row and its current quota period.
func (a *Membership) Record(ctx context.Context, sub models.Subscription, quota int, endedAt *time.Time) error {
	sub.UpdatedAt = a.Now()
	sub.CreatedAt = sub.UpdatedAt // kept on conflict: only inserts use it
	if err := a.Store.RecordMembership(ctx, sub, quota, endedAt); err != nil || a.Rooms == nil {
		return err
	}
	// A cancel or downgrade that took effect closes the backstage, the
	// open Q&A sessions, the running live session and the members-only
	// parties to the fan (closed ones publish nothing more).
	rooms := []string{realtime.BackstageRoom(sub.ArtistID.String())}
	sessions, err := a.Store.OpenQASessions(ctx, sub.ArtistID)
	if err != nil {
		return err
	}
	for _, id := range sessions {
		rooms = append(rooms, realtime.QARoom(id.String()))
	}
	parties, err := a.Store.OpenParties(ctx, sub.ArtistID)
	if err != nil {
		return err
	}
	for _, id := range parties {
		rooms = append(rooms, realtime.PartyRoom(id.String()))
	}
	switch live, err := a.Store.RunningLiveSession(ctx, sub.ArtistID); {
	case err == nil:
		rooms = append(rooms, realtime.LiveRoom(live.ID.String()))
	case models.ErrorCode(err) != models.CodeNotFound:
		return err
	}
	for _, room := range rooms {
		if err := a.Rooms.Recheck(ctx, room, sub.FanID.String(), realtime.ReasonMembershipChanged); err != nil {
			return err
		}
	}
	return nil
}

// MilestoneAward is a support-duration milestone reached.
type MilestoneAward struct {
	ArtistID uuid.UUID
	FanID    uuid.UUID
	Key      string
	At       time.Time
}

// AwardMilestone records the milestone once: the row is the outbox the
// dispatcher (package engagement) delivers from, by a RewardWorkflow that
// grants its rewards and tells fan and artist.
func (a *Membership) AwardMilestone(ctx context.Context, m MilestoneAward) error {
	_, err := a.Store.AwardMilestone(ctx, models.UserMilestone{UserID: m.FanID, ArtistID: m.ArtistID, Key: m.Key, AwardedAt: m.At})
	return err
}
