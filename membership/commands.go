package membership

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// Commands are the membership use cases. A refusal of the workflow comes
// back as the Temporal error it is (the caller maps it); a Temporal that
// cannot be reached within Timeout as the context's error.
type Commands struct {
	Store     *store.Store
	Billing   billing.Provider
	Workflows workflows.MembershipClient
	// Timeout bounds each call to Temporal (TEMPORAL_CALL_TIMEOUT): the SDK
	// retries an unreachable server until the context ends.
	Timeout time.Duration
	Now     func() time.Time
}

// Subscribe is a fan's request to join an artist's club.
type Subscribe struct {
	ArtistID, FanID uuid.UUID
	Tier            models.Tier
	PaymentMethod   string // "": the sandbox's test card; required with a real provider
	UpdateID        string // "" or the same for a retry: one update for Temporal
}

// Joinable refuses an artist joining their own club.
func Joinable(fanID, artistID uuid.UUID) error {
	if fanID == artistID {
		return models.FieldError("id", "artists cannot join their own club")
	}
	return nil
}

// Subscribe starts (or joins) the membership workflow and returns the
// membership and the period it opened, read from the workflow's state: the
// period just opened, with its whole quota left, needs no read back.
func (c *Commands) Subscribe(ctx context.Context, in Subscribe) (*models.Subscription, *models.QuotaPeriod, error) {
	if err := Joinable(in.FanID, in.ArtistID); err != nil {
		return nil, nil, err
	}
	club, err := c.Store.Club(ctx, in.ArtistID)
	if err != nil {
		return nil, nil, err
	}
	if club.ClosedAt != nil { // members who joined before keep theirs (docs/operations.md)
		return nil, nil, models.Errorf(models.CodeConflict, "the club is closed")
	}
	if in.PaymentMethod == "" {
		if c.Billing.Name() != "sandbox" {
			return nil, nil, models.FieldError("payment_method", "a saved card is required")
		}
		in.PaymentMethod = "pm_card_visa"
	}
	customer, err := c.Billing.Customer(ctx, in.FanID, in.PaymentMethod)
	if err != nil {
		return nil, nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	st, err := c.Workflows.Subscribe(tctx, in.ArtistID, in.FanID, in.UpdateID,
		workflows.SubscribeInput{Tier: in.Tier, Customer: customer, PaymentMethod: in.PaymentMethod, Terms: club.Terms()}, c.Now())
	if err != nil {
		return nil, nil, err
	}
	sub := st.Subscription(st.WorkflowID())
	return &sub, &models.QuotaPeriod{QuotaLimit: st.PeriodQuota(), PeriodEnd: st.PeriodEnd}, nil
}

// ChangeTier upgrades at once (prorated) or downgrades at the period end.
func (c *Commands) ChangeTier(ctx context.Context, artistID, fanID uuid.UUID, tier models.Tier, updateID string) error {
	return c.update(ctx, artistID, fanID, func(tctx context.Context) error {
		club, err := c.Store.Club(ctx, artistID)
		if err != nil {
			return err
		}
		return c.Workflows.ChangeTier(tctx, artistID, fanID, updateID, workflows.ChangeTierInput{Tier: tier, Terms: club.Terms()})
	})
}

// Cancel ends the membership at the period end; access stays until then.
func (c *Commands) Cancel(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error {
	return c.update(ctx, artistID, fanID, func(tctx context.Context) error {
		return c.Workflows.Cancel(tctx, artistID, fanID, updateID)
	})
}

// Resume takes back a cancel before the period ends.
func (c *Commands) Resume(ctx context.Context, artistID, fanID uuid.UUID, updateID string) error {
	return c.update(ctx, artistID, fanID, func(tctx context.Context) error {
		return c.Workflows.Resume(tctx, artistID, fanID, updateID)
	})
}

// update runs an update of the membership workflow within Timeout; with
// no running workflow, the membership has ended (a conflict) or never was.
func (c *Commands) update(ctx context.Context, artistID, fanID uuid.UUID, call func(tctx context.Context) error) error {
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	err := call(tctx)
	if errors.As(err, new(*serviceerror.NotFound)) {
		if _, err := c.Store.Membership(ctx, artistID, fanID); err == nil {
			return models.Errorf(models.CodeConflict, "the membership has ended: subscribe again")
		}
		return models.ErrNotFound
	}
	return err
}
