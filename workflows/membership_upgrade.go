package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/models"
)

// upgrade charges the rest of the period at the difference and then gives
// the tier, with its DMs prorated to what is left of the period. An upgrade
// that would cost less than a provider charges (too late in the period)
// waits for the period end and its full price; one the provider is still
// processing waits for its webhook.
func (m *membership) upgrade(ctx workflow.Context, tier models.Tier, terms models.Terms) error {
	due := prorate(terms.Price(tier)-m.st.PeriodCents, workflow.Now(ctx), m.st.PeriodStart, m.st.PeriodEnd)
	if due < models.MinChargeCents {
		m.st.PendingTier, m.st.Terms = tier, terms
		return nil
	}
	key := m.upgradeKey(tier)
	out, err := m.charge(ctx, tier, key, "upgrade", due)
	if err != nil {
		return err
	}
	switch out.Status {
	case models.PaymentFailed:
		return declined(out)
	case models.PaymentPending:
		m.st.Terms, m.st.AwaitingKey, m.st.AwaitingTier = terms, key, tier
	default:
		m.st.Terms = terms
		m.upgraded(ctx, tier)
	}
	return nil
}

// upgraded gives a paid upgrade's tier for the rest of the period. Its DMs
// come prorated: a late upgrade does not buy a whole period's quota.
func (m *membership) upgraded(ctx workflow.Context, tier models.Tier) {
	had, full := m.st.PeriodQuota(), m.st.Terms.Quota(tier)
	added := int(prorate(int64(full-had), workflow.Now(ctx), m.st.PeriodStart, m.st.PeriodEnd))
	m.st.Tier, m.st.PeriodCents, m.st.QuotaWithheld = tier, m.st.Terms.Price(tier), full-had-added
}

// upgradeBeforePaidAccess is an upgrade as runs from before paidAccess
// make it: the whole quota at once, whatever the charge.
func (m *membership) upgradeBeforePaidAccess(ctx workflow.Context, tier models.Tier, terms models.Terms) error {
	price := terms.Price(tier)
	due := prorate(price-m.st.PeriodCents, workflow.Now(ctx), m.st.PeriodStart, m.st.PeriodEnd)
	prior := m.st
	m.st.Tier, m.st.PendingTier, m.st.Terms = tier, "", terms
	key := m.upgradeKey(tier)
	out, err := m.charge(ctx, tier, key, "upgrade", due)
	if err != nil || out.Status == models.PaymentFailed {
		m.st = prior
		if err != nil {
			return err
		}
		return declined(out)
	}
	m.st.PeriodCents = price
	if out.Status == models.PaymentPending {
		m.st.AwaitingKey = key
	}
	return nil
}

func (m *membership) upgradeKey(tier models.Tier) string {
	return fmt.Sprintf("%s/upgrade/%s", m.periodKey(), tier)
}

// prorate is the part of an amount (cents, DMs) for what is left of a
// period, to the nearest unit; never negative.
func prorate(amount int64, now, start, end time.Time) int64 {
	total, left := int64(end.Sub(start)/time.Second), int64(end.Sub(now)/time.Second)
	if amount <= 0 || total <= 0 || left <= 0 {
		return 0
	}
	return (amount*left + total/2) / total
}
