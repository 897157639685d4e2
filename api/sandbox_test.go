package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

const sandboxCard = "/api/billing/sandbox/card"

// The sandbox card route lets a fan make their own sandbox card decline:
// it exists with the sandbox provider, and not at all with Stripe.
func TestSandboxCardRouteOnlyWithTheSandbox(t *testing.T) {
	t.Parallel()
	t.Run("sandbox", func(t *testing.T) {
		t.Parallel()
		app := testenv.StartApp(t)
		artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
		join := "/api/artists/" + artist.User.ID + "/subscription"

		require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodPut, sandboxCard, "", map[string]any{"decline": "card_declined"}).Status)
		bad := app.Do(t, http.MethodPut, sandboxCard, fan.AccessToken, map[string]any{"decline": "stolen"})
		require.Equal(t, http.StatusBadRequest, bad.Status)
		require.Equal(t, "invalid", bad.ErrorCode(t))

		r := app.Do(t, http.MethodPut, sandboxCard, fan.AccessToken, map[string]any{"decline": "insufficient_funds"})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var card struct{ Customer, Decline string }
		r.Decode(t, &card)
		require.Equal(t, "insufficient_funds", card.Decline)
		declined := app.Do(t, http.MethodPost, join, fan.AccessToken, map[string]any{"tier": "supporter"})
		require.Equal(t, http.StatusPaymentRequired, declined.Status, string(declined.Body))
		require.Contains(t, string(declined.Body), "insufficient_funds")
		payments := testenv.Rows[models.Payment](t, app.Platform.Store, "created_at", "fan_id = ?", fan.User.ID)
		require.Len(t, payments, 1)
		require.Equal(t, models.PaymentFailed, payments[0].Status)

		r = app.Do(t, http.MethodPut, sandboxCard, fan.AccessToken, map[string]any{"decline": ""})
		require.Equal(t, http.StatusOK, r.Status)
		joined := app.Do(t, http.MethodPost, join, fan.AccessToken, map[string]any{"tier": "supporter"})
		require.Equal(t, http.StatusCreated, joined.Status, "the card works again: %s", joined.Body)
	})
	t.Run("stripe", func(t *testing.T) {
		t.Parallel()
		fake := testenv.StartStripe(t)
		app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
			c.BillingProvider, c.StripeSecretKey, c.StripeURL, c.StripeWebhookSecret = "stripe", "sk_test_1", fake.URL, webhookSecret
		}))
		fan := app.Register(t, "fan", "Kai")
		r := app.Do(t, http.MethodPut, sandboxCard, fan.AccessToken, map[string]any{"decline": "card_declined"})
		require.Equal(t, http.StatusNotFound, r.Status)
		require.NotContains(t, string(app.Do(t, http.MethodGet, "/openapi.json", "", nil).Body), sandboxCard)
	})
}
