package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// signWebhook signs like SendGrid: ECDSA P-256 over timestamp + body.
func signWebhook(t *testing.T, key *ecdsa.PrivateKey, ts string, body []byte) string {
	h := sha256.Sum256(append([]byte(ts), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(sig)
}

func TestSendGridWebhookSuppresses(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.SendGridWebhookKey = base64.StdEncoding.EncodeToString(der)
	}))
	bouncing, fine := app.Register(t, "fan", "Bouncer"), app.Register(t, "fan", "Fine")

	post := func(body []byte, ts, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/api/webhooks/sendgrid", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
		req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
		return app.Send(t, req).Status
	}
	events, _ := json.Marshal([]map[string]any{
		{"email": strings.ToUpper(bouncing.User.Email), "event": "bounce"},
		{"email": fine.User.Email, "event": "delivered"},
	})
	now := strconv.FormatInt(time.Now().Unix(), 10)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stale := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	require.Equal(t, http.StatusUnauthorized, post(events, now, signWebhook(t, other, now, events)), "forged")
	require.Equal(t, http.StatusUnauthorized, post(events, stale, signWebhook(t, key, stale, events)), "replayed")
	require.Equal(t, http.StatusUnauthorized, post(events, "", ""), "unsigned")
	require.Equal(t, http.StatusUnauthorized, post(events, now, signWebhook(t, key, now, []byte("[]"))), "signature of another body")
	require.Equal(t, http.StatusBadRequest, post([]byte("nope"), now, signWebhook(t, key, now, []byte("nope"))))
	require.Equal(t, http.StatusOK, post(events, now, signWebhook(t, key, now, events)))

	// The bounced address gets no more mail; the other one still does.
	for _, u := range []testenv.Session{bouncing, fine} {
		app.Do(t, http.MethodPut, "/api/notifications/preferences", u.AccessToken, map[string]any{"digest_minutes": 0})
		_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{UserID: uuid.MustParse(u.User.ID), Category: "release", Title: "New song"})
		require.NoError(t, err)
	}
	// Both inboxes have handed their email to the mailer: whatever it was
	// going to write to the outbox is there.
	for _, u := range []testenv.Session{bouncing, fine} {
		awaitInbox(t, app, u.User.ID, models.ChannelEmail, 1)
	}
	var outbox struct{ Items []struct{ To string } }
	app.Do(t, http.MethodGet, "/api/dev/outbox", "", nil).Decode(t, &outbox)
	require.Len(t, outbox.Items, 1)
	require.Equal(t, fine.User.Email, outbox.Items[0].To)
}
