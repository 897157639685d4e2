package models

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// FanClub is an artist's club: its text, price and quota overrides and the
// goals the artist sets for it (its exclusive content is Content rows).
type FanClub struct {
	ArtistID       uuid.UUID `gorm:"primaryKey"`
	Description    string
	WelcomeMessage string
	SupporterCents *int64 // nil: the catalogue's price
	SuperfanCents  *int64
	DMQuota        *int
	Milestones     []ClubMilestone `gorm:"serializer:json"`
	UpdatedAt      time.Time
	ClosedAt       *time.Time // closed by the artist: no new members, no Q&A schedule
}

// ClubMilestone is a goal of the club, reached at a member count.
type ClubMilestone struct {
	Title   string `json:"title" validate:"required,max=200"`
	Members int    `json:"members" validate:"min=1,max=100000000"`
	Reward  string `json:"reward,omitempty" validate:"max=500"`
}

// Terms returns the club's terms: the catalogue with its overrides.
func (c *FanClub) Terms() Terms {
	t := DefaultTerms()
	if c.SupporterCents != nil {
		t.SupporterCents = *c.SupporterCents
	}
	if c.SuperfanCents != nil {
		t.SuperfanCents = *c.SuperfanCents
	}
	if c.DMQuota != nil {
		t.DMQuota = *c.DMQuota
	}
	return t
}

// SubscriptionStatus is where a membership is in its life.
type SubscriptionStatus string

// Statuses.
const (
	StatusPending   SubscriptionStatus = "pending" // the first charge is processing: no access until it succeeds
	StatusActive    SubscriptionStatus = "active"
	StatusPastDue   SubscriptionStatus = "past_due"  // a charge failed; dunning retries, access kept
	StatusCanceling SubscriptionStatus = "canceling" // canceled, access until the period ends
	StatusCanceled  SubscriptionStatus = "canceled"
)

// Grants reports whether a membership in this status gives its tier.
func (s SubscriptionStatus) Grants() bool { return slices.Contains(GrantingStatuses, s) }

// GrantingStatuses are the statuses that give a membership's tier: the one
// list queries filter by ("live" members).
var GrantingStatuses = []SubscriptionStatus{StatusActive, StatusPastDue, StatusCanceling}

// Subscription mirrors a membership workflow's state for queries; only
// the workflow's activities write it.
type Subscription struct {
	ArtistID     uuid.UUID `gorm:"primaryKey"`
	FanID        uuid.UUID `gorm:"primaryKey"`
	WorkflowID   string
	Tier         Tier
	PendingTier  Tier // takes effect at the period end ("" = none)
	Status       SubscriptionStatus
	MemberSince  time.Time
	Period       int // 1-based number of the current billing period
	PeriodStart  time.Time
	PeriodEnd    time.Time
	NextChargeAt *time.Time // nil once canceling or canceled
	PriceCents   int64      // of the next charge
	Currency     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// EffectiveTier is the tier a membership gives now.
func (s *Subscription) EffectiveTier() Tier {
	if s == nil || !s.Status.Grants() {
		return TierFollower
	}
	return s.Tier
}

// PaymentStatus is where a charge is.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending   PaymentStatus = "pending"
	PaymentSucceeded PaymentStatus = "succeeded"
	PaymentFailed    PaymentStatus = "failed"
)

// MinChargeCents is the smallest charge card providers take (Stripe's is
// 50 cents in USD): a smaller one is refused, so nothing asks for it.
const MinChargeCents = 50

// Payment is a line of the payments ledger: one charge attempt.
type Payment struct {
	ID                uuid.UUID `gorm:"primaryKey"`
	IdempotencyKey    string
	ArtistID          uuid.UUID
	FanID             uuid.UUID
	Tier              Tier
	Period            int
	PeriodStart       time.Time
	PeriodEnd         time.Time
	Reason            string // renewal, retry, upgrade
	AmountCents       int64
	Currency          string
	Provider          string
	ProviderPaymentID string
	Status            PaymentStatus
	FailureReason     string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// QuotaPeriod is a fan's DM allowance to an artist for one membership
// period; a DM takes a unit in the same transaction that stores it.
type QuotaPeriod struct {
	ID          uuid.UUID `gorm:"primaryKey"`
	ArtistID    uuid.UUID
	FanID       uuid.UUID
	PeriodStart time.Time
	PeriodEnd   time.Time
	QuotaLimit  int
	Used        int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName keeps the name the design uses.
func (QuotaPeriod) TableName() string { return "dm_quota_periods" }

// UserMilestone is a milestone a user reached, awarded once.
type UserMilestone struct {
	UserID      uuid.UUID `gorm:"primaryKey"`
	ArtistID    uuid.UUID `gorm:"primaryKey"`
	Key         string    `gorm:"primaryKey"`
	AwardedAt   time.Time
	DeliveredAt *time.Time // rewards granted and both sides told
	// DispatchedAt is when its RewardWorkflow was last started: the
	// dispatcher starts it again only after a while.
	DispatchedAt *time.Time
}

// Support-duration milestones of a membership.
const (
	MilestoneSupport1Month  = "support_1_month"
	MilestoneSupport6Months = "support_6_months"
	MilestoneSupport1Year   = "support_1_year"
)

// SandboxCharge is a charge the sandbox payment provider made.
type SandboxCharge struct {
	IdempotencyKey string `gorm:"primaryKey"`
	ID             string
	Customer       string
	AmountCents    int64
	Currency       string
	Status         PaymentStatus
	FailureReason  string
	CreatedAt      time.Time
}

// SandboxCard is a sandbox customer's card; Decline, when set, is the
// reason every charge to it fails.
type SandboxCard struct {
	Customer  string `gorm:"primaryKey"`
	Decline   string
	UpdatedAt time.Time
}
