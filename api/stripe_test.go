package api_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

const webhookSecret = "whsec_test_secret"

// The Stripe provider end to end: stripe-go charges through a local
// Stripe stand-in, and Stripe's signed webhooks settle the charge in the
// membership workflow on the dev server. A charge Stripe is still
// processing gives nothing until its webhook says it went through.
func TestStripeChargesAndWebhooksSettleMemberships(t *testing.T) {
	fake := testenv.StartStripe(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.BillingProvider, c.StripeSecretKey, c.StripeURL, c.StripeWebhookSecret = "stripe", "sk_test_1", fake.URL, webhookSecret
	}))
	artist, paid, failing := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai"), app.Register(t, "fan", "Lee")
	path := "/api/artists/" + artist.User.ID
	ctx := t.Context()
	require.Equal(t, 400, app.Do(t, http.MethodPost, path+"/subscription", paid.AccessToken, map[string]any{"tier": "supporter"}).Status,
		"Stripe needs a saved card")
	for _, fan := range []testenv.Session{paid, failing} {
		r := app.Do(t, http.MethodPost, path+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan", "payment_method": "pm_processing"})
		require.Equal(t, 201, r.Status, string(r.Body))
		var m membership
		r.Decode(t, &m)
		require.Equal(t, "pending", m.Status)
		require.Nil(t, m.Quota, "no DMs while the charge is processing")
		require.Nil(t, m.NextCharge)
	}
	require.Equal(t, 2, fake.IntentCount())

	// Nothing is given, and nothing changes, while the charge is processing.
	backstage := "backstage:" + artist.User.ID
	require.Equal(t, "forbidden", testenv.ErrorCode(app.Dial(t, paid.AccessToken).Request("join_room", backstage, nil)))
	for _, r := range []testenv.Response{
		app.Do(t, http.MethodPost, path+"/subscription", paid.AccessToken, map[string]any{"tier": "superfan", "payment_method": "pm_card_visa"}),
		app.Do(t, http.MethodPatch, path+"/subscription", paid.AccessToken, map[string]any{"tier": "supporter"}),
		app.Do(t, http.MethodDelete, path+"/subscription", paid.AccessToken, nil),
	} {
		require.Equal(t, 409, r.Status, string(r.Body))
	}
	var c club
	app.Do(t, http.MethodGet, path+"/club", "", nil).Decode(t, &c)
	require.Zero(t, c.Tiers[2].Members, "a pending membership is no member yet")
	hook := func(typ stripe.EventType, intent int, at time.Time, secret string) testenv.Response {
		sent := fake.Intents[intent]
		pi := map[string]any{"id": "pi_" + sent.Get("metadata[idempotency_key]"), "status": "succeeded", "metadata": map[string]string{
			"workflow_id": sent.Get("metadata[workflow_id]"), "idempotency_key": sent.Get("metadata[idempotency_key]")}}
		if typ == stripe.EventTypePaymentIntentPaymentFailed {
			pi["status"], pi["last_payment_error"] = "requires_payment_method", map[string]any{"code": "card_declined", "decline_code": "insufficient_funds"}
		}
		return sendHook(t, app, secret, typ, pi, at)
	}
	ledger := func(fan testenv.Session) models.Payment {
		ps := testenv.Rows[models.Payment](t, app.Platform.Store, "created_at", "artist_id = ? AND fan_id = ?", artist.User.ID, fan.User.ID)
		require.Len(t, ps, 1)
		return ps[0]
	}
	require.Equal(t, models.PaymentPending, ledger(paid).Status)

	// Forged, stale, unrelated, unknown.
	require.Equal(t, 401, hook(stripe.EventTypePaymentIntentSucceeded, 0, time.Now(), "whsec_forged").Status)
	require.Equal(t, 401, hook(stripe.EventTypePaymentIntentSucceeded, 0, time.Now().Add(-10*time.Minute), webhookSecret).Status, "a replay past the tolerance")
	unsigned, err := http.NewRequest(http.MethodPost, app.URL+"/api/webhooks/stripe", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	require.Equal(t, 401, app.Send(t, unsigned).Status)
	other := sendHook(t, app, webhookSecret, "customer.created", map[string]any{"id": "pi_x"}, time.Now())
	require.Equal(t, 200, other.Status)
	require.JSONEq(t, `{"handled":false}`, string(other.Body))
	unknown := sendHook(t, app, webhookSecret, stripe.EventTypePaymentIntentSucceeded, map[string]any{"id": "pi_y", "metadata": map[string]string{
		"workflow_id": "subscription/nobody/nothing", "idempotency_key": "subscription/nobody/nothing/x/period/1"}}, time.Now())
	require.Equal(t, 200, unknown.Status, "acknowledged, so Stripe stops retrying")
	require.JSONEq(t, `{"handled":false}`, string(unknown.Body))

	// The real thing, and its replay.
	for range 2 {
		r := hook(stripe.EventTypePaymentIntentSucceeded, 0, time.Now(), webhookSecret)
		require.Equal(t, 200, r.Status, string(r.Body))
		require.JSONEq(t, `{"handled":true}`, string(r.Body))
	}
	artistID, paidID, failingID := mustUUID(t, artist.User.ID), mustUUID(t, paid.User.ID), mustUUID(t, failing.User.ID)
	status := func(fan uuid.UUID) models.SubscriptionStatus {
		sub, err := app.Platform.Store.Membership(ctx, artistID, fan)
		if err != nil {
			return ""
		}
		return sub.Status
	}
	require.Eventually(t, func() bool { return status(paidID) == models.StatusActive }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, models.PaymentSucceeded, ledger(paid).Status)
	require.Equal(t, 2, fake.IntentCount(), "no second charge")
	var m membership
	app.Do(t, http.MethodGet, path+"/subscription", paid.AccessToken, nil).Decode(t, &m)
	require.Equal(t, 5, m.Quota.Limit, "the period's DMs, once paid")
	require.Equal(t, true, app.Dial(t, paid.AccessToken).Request("join_room", backstage, nil)["ok"])
	testenv.RecordHistory(t, app.Platform.Temporal, workflows.SubscriptionID(artist.User.ID, paid.User.ID), "membership_pending_v2.json")

	// A failed first charge ends the membership before it began: no grace
	// period. It cannot be resumed or canceled, only joined anew.
	require.Equal(t, 200, hook(stripe.EventTypePaymentIntentPaymentFailed, 1, time.Now(), webhookSecret).Status)
	require.Eventually(t, func() bool { return status(failingID) == models.StatusCanceled }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, "insufficient_funds", ledger(failing).FailureReason)
	r := app.Do(t, http.MethodGet, path+"/subscription", failing.AccessToken, nil)
	r.Decode(t, &m)
	require.Equal(t, "canceled", m.Status)
	require.Nil(t, m.Quota, "no access")
	require.Eventually(t, func() bool {
		var err error
		r, err = app.Call(http.MethodPost, path+"/subscription/resume", failing.AccessToken, nil)
		return err == nil && r.Status == 409
	}, 10*time.Second, 50*time.Millisecond, "resuming an ended membership")
	require.Equal(t, "conflict", r.ErrorCode(t))
	require.Equal(t, 409, app.Do(t, http.MethodDelete, path+"/subscription", failing.AccessToken, nil).Status)
	r = app.Do(t, http.MethodPost, path+"/subscription", failing.AccessToken, map[string]any{"tier": "superfan", "payment_method": "pm_card_visa"})
	require.Equal(t, 201, r.Status, string(r.Body))
	r.Decode(t, &m)
	require.Equal(t, "active", m.Status)
	require.Equal(t, 1, m.Period.Number, "a new membership")
}

func sendHook(t *testing.T, app *testenv.App, secret string, typ stripe.EventType, pi map[string]any, at time.Time) testenv.Response {
	payload, sig := testenv.SignedEvent(t, secret, typ, pi, at)
	req, err := http.NewRequest(http.MethodPost, app.URL+"/api/webhooks/stripe", bytes.NewReader(payload))
	require.NoError(t, err)
	req.Header.Set("Stripe-Signature", sig)
	req.Header.Set("Content-Type", "application/json")
	return app.Send(t, req)
}
