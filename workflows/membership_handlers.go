package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
)

// rejected is an update's refusal; its type is the api's error code.
func rejected(code models.Code, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), string(code))
}

// declined is the refusal of a declined charge.
func declined(out activities.ChargeOutcome) error {
	return rejected(models.CodePaymentFailed, "the card was declined (%s)", out.FailureReason)
}

// processing refuses what must wait for a charge the provider is still processing.
func processing() error {
	return rejected(models.CodeConflict, "a payment is still processing: try again once it has gone through")
}

// register sets the state query and the updates. Validators reject
// without writing history; handlers check again under the lock, since
// the state may change while they wait for it.
func (m *membership) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, MembershipQuery, func() (Membership, error) { return m.st, nil }); err != nil {
		return err
	}
	for _, h := range []struct {
		name               string
		handler, validator any
	}{
		{UpdateSubscribe, m.subscribe, m.canSubscribe},
		{UpdateChangeTier, m.changeTier, m.canChangeTier},
		{UpdateCancel, m.cancel, m.canCancel},
		{UpdateResume, m.resume, m.canResume},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

func (m *membership) canSubscribe(in SubscribeInput) error {
	if !in.Tier.Paid() {
		return rejected(models.CodeInvalid, "tier must be supporter or superfan")
	}
	switch m.st.Status {
	case "":
		return nil
	case models.StatusPending:
		return processing()
	case models.StatusCanceling:
		return rejected(models.CodeConflict, "already a member until the period ends: resume the membership instead")
	}
	return rejected(models.CodeConflict, "already a member")
}

// subscribe charges the first period and opens it; a declined card
// leaves no membership and may try again; a charge the provider is still
// processing leaves a pending membership that grants nothing until the
// provider's webhook says it went through.
func (m *membership) subscribe(ctx workflow.Context, in SubscribeInput) (Membership, error) {
	if err := m.lock.Lock(ctx); err != nil {
		return m.st, err
	}
	defer m.lock.Unlock()
	if err := m.canSubscribe(in); err != nil {
		return m.st, err
	}
	terms, err := m.terms(ctx, in.Terms)
	if err != nil {
		return m.st, err
	}
	prior := m.st
	now := workflow.Now(ctx)
	m.attempts++
	m.st.Tier, m.st.Terms, m.st.Customer, m.st.PaymentMethod = in.Tier, terms, in.Customer, in.PaymentMethod
	m.st.MemberSince, m.st.Period, m.st.PeriodStart, m.st.PeriodEnd = now, 1, now, AddMonths(now, 1)
	// Keys carry the run that began the membership: a fan who leaves and
	// joins again starts new keys, even within the same second.
	m.st.BillingKey = m.id + "/" + workflow.GetInfo(ctx).WorkflowExecution.RunID
	key := m.periodKey()
	if m.attempts > 1 {
		key = fmt.Sprintf("%s/attempt/%d", key, m.attempts)
	}
	price := terms.Price(in.Tier)
	out, err := m.charge(ctx, in.Tier, key, "renewal", price)
	if err != nil || out.Status == models.PaymentFailed {
		m.st = prior
		if err != nil {
			return m.st, err
		}
		// The api started the run with the attributes of a success.
		failed := models.Subscription{Tier: in.Tier, Status: models.StatusCanceled}
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchAttributeChanges(workflow.GetTypedSearchAttributes(ctx), failed)...); err != nil {
			return m.st, err
		}
		return m.st, declined(out)
	}
	m.st.Status = models.StatusActive
	m.settled(ctx, key, out, price)
	if out.Status == models.PaymentPending && paid(ctx) {
		m.st.Status = models.StatusPending
	}
	return m.st, m.record(ctx)
}

func (m *membership) canChangeTier(in ChangeTierInput) error {
	if !in.Tier.Paid() {
		return rejected(models.CodeInvalid, "tier must be supporter or superfan; cancel the membership to stop paying")
	}
	if err := m.member(); err != nil {
		return err
	}
	switch {
	case m.st.Status == models.StatusCanceling:
		return rejected(models.CodeConflict, "the membership is canceled: resume it first")
	case m.st.Status == models.StatusPastDue:
		return rejected(models.CodeConflict, "a payment is past due")
	case m.st.Status == models.StatusPending || m.st.AwaitingTier != "":
		return processing()
	case in.Tier == m.st.Tier && m.st.PendingTier == "":
		return rejected(models.CodeConflict, "already on the %s tier", in.Tier)
	case in.Tier == m.st.PendingTier:
		return rejected(models.CodeConflict, "already changing to the %s tier", in.Tier)
	}
	return nil
}

// changeTier upgrades at once, charging the rest of the period at the
// difference; a downgrade waits for the period end; choosing the current
// tier again drops a pending change.
func (m *membership) changeTier(ctx workflow.Context, in ChangeTierInput) (Membership, error) {
	if err := m.lock.Lock(ctx); err != nil {
		return m.st, err
	}
	defer m.lock.Unlock()
	if err := m.canChangeTier(in); err != nil {
		return m.st, err
	}
	if in.Tier == m.st.Tier {
		m.st.PendingTier = ""
		return m.st, m.record(ctx)
	}
	terms, err := m.terms(ctx, in.Terms)
	if err != nil {
		return m.st, err
	}
	switch {
	case in.Tier.Rank() < m.st.Tier.Rank():
		m.st.PendingTier, m.st.Terms = in.Tier, terms
	case paid(ctx):
		if err := m.upgrade(ctx, in.Tier, terms); err != nil {
			return m.st, err
		}
	default:
		if err := m.upgradeBeforePaidAccess(ctx, in.Tier, terms); err != nil {
			return m.st, err
		}
	}
	return m.st, m.record(ctx)
}

func (m *membership) member() error {
	switch m.st.Status {
	case "":
		return rejected(models.CodeNotFound, "no membership")
	case models.StatusCanceled:
		return rejected(models.CodeConflict, "the membership has ended: subscribe again")
	}
	return nil
}

func (m *membership) canCancel() error {
	if err := m.member(); err != nil {
		return err
	}
	switch m.st.Status {
	case models.StatusCanceling:
		return rejected(models.CodeConflict, "already canceled")
	case models.StatusPending: // the charge may still go through
		return processing()
	}
	return nil
}

// cancel keeps access until the period ends; a membership whose payment
// is past due has no paid period left and ends at once.
func (m *membership) cancel(ctx workflow.Context) (Membership, error) {
	if err := m.lock.Lock(ctx); err != nil {
		return m.st, err
	}
	defer m.lock.Unlock()
	if err := m.canCancel(); err != nil {
		return m.st, err
	}
	if m.st.Status == models.StatusPastDue {
		return m.st, m.end(ctx, workflow.Now(ctx))
	}
	m.st.Status, m.st.PendingTier = models.StatusCanceling, ""
	return m.st, m.record(ctx)
}

func (m *membership) canResume() error {
	if err := m.member(); err != nil {
		return err
	}
	if m.st.Status != models.StatusCanceling {
		return rejected(models.CodeConflict, "the membership is not canceled")
	}
	return nil
}

// resume takes back a cancel before the period ends.
func (m *membership) resume(ctx workflow.Context) (Membership, error) {
	if err := m.lock.Lock(ctx); err != nil {
		return m.st, err
	}
	defer m.lock.Unlock()
	if err := m.canResume(); err != nil {
		return m.st, err
	}
	m.st.Status = models.StatusActive
	return m.st, m.record(ctx)
}
