package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func charge(key, customer, pm string) billing.Charge {
	return billing.Charge{IdempotencyKey: key, Customer: customer, PaymentMethod: pm, AmountCents: 1000, Currency: "usd",
		Metadata: map[string]string{billing.MetaWorkflowID: "subscription/a/f", billing.MetaIdempotencyKey: key}}
}

// stripe-go against a local server that answers like Stripe.
func TestStripeChargesOffSessionOncePerKey(t *testing.T) {
	fake := testenv.StartStripe(t)
	p := billing.NewStripe("sk_test_123", fake.URL)
	ctx := context.Background()
	fan := models.NewID()
	cus, err := p.Customer(ctx, fan, "pm_card_visa")
	require.NoError(t, err)
	again, err := p.Customer(ctx, fan, "pm_card_visa")
	require.NoError(t, err)
	require.Equal(t, cus, again, "one customer per fan and card")

	res, err := p.Charge(ctx, charge("k/period/1", cus, "pm_card_visa"))
	require.NoError(t, err)
	require.Equal(t, models.PaymentSucceeded, res.Status)
	retry, err := p.Charge(ctx, charge("k/period/1", cus, "pm_card_visa"))
	require.NoError(t, err)
	require.Equal(t, res, retry)
	require.Equal(t, 1, fake.IntentCount(), "a retry under the same key charges once")
	sent := fake.Intents[0]
	require.Equal(t, "true", sent.Get("off_session"))
	require.Equal(t, "true", sent.Get("confirm"))
	require.Equal(t, cus, sent.Get("customer"))
	require.Equal(t, "1000", sent.Get("amount"))
	require.Equal(t, "k/period/1", sent.Get("metadata[idempotency_key]"))

	declined, err := p.Charge(ctx, charge("k/period/2", cus, "pm_card_chargeDeclined"))
	require.NoError(t, err, "a decline is an outcome, not an error")
	require.Equal(t, models.PaymentFailed, declined.Status)
	require.Equal(t, "generic_decline", declined.FailureReason)
	require.NotEmpty(t, declined.ID)

	pending, err := p.Charge(ctx, charge("k/period/3", cus, "pm_processing"))
	require.NoError(t, err)
	require.Equal(t, models.PaymentPending, pending.Status)

	_, err = billing.NewStripe("rk_wrong", fake.URL).Charge(ctx, charge("k/period/4", cus, "pm_card_visa"))
	require.Error(t, err, "an api failure is an error, retried by the activity")
}

func TestSandboxChargesOncePerKeyAndDeclinesOnRequest(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		p := &billing.Sandbox{Store: st, Now: time.Now}
		ctx := context.Background()
		fan := models.NewID()
		cus, err := p.Customer(ctx, fan, "pm_card_visa")
		require.NoError(t, err)
		ok, err := p.Charge(ctx, charge("s/period/1", cus, "pm_card_visa"))
		require.NoError(t, err)
		require.Equal(t, models.PaymentSucceeded, ok.Status)
		require.NoError(t, st.SetSandboxDecline(ctx, models.SandboxCard{Customer: cus, Decline: "insufficient_funds", UpdatedAt: time.Now()}))
		replay, err := p.Charge(ctx, charge("s/period/1", cus, "pm_card_visa"))
		require.NoError(t, err)
		require.Equal(t, ok, replay, "a key keeps its first outcome")
		no, err := p.Charge(ctx, charge("s/period/2", cus, "pm_card_visa"))
		require.NoError(t, err)
		require.Equal(t, models.PaymentFailed, no.Status)
		require.Equal(t, "insufficient_funds", no.FailureReason)
		no, err = p.Charge(ctx, charge("s/period/3", "sbx_cus_other", "pm_card_chargeDeclined"))
		require.NoError(t, err)
		require.Equal(t, "card_declined", no.FailureReason, "Stripe's declining test cards decline here too")
	})
}
