package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

func TestUnsubscribeTokens(t *testing.T) {
	sent := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	at := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	key := []byte("unsubscribe-key-0123456789abcdef")
	mailer := &Mailer{Secret: key, Now: at(sent)}
	user := models.NewID().String()
	token := mailer.UnsubscribeToken(user)

	id, err := (&Mailer{Secret: key, Now: at(sent.AddDate(0, 11, 0))}).VerifyUnsubscribe(token)
	require.NoError(t, err, "valid for a year")
	require.Equal(t, user, id.String())

	id2, mac, _ := strings.Cut(token, ".")
	exp, mac, _ := strings.Cut(mac, ".")
	for name, tc := range map[string]struct {
		m     *Mailer
		token string
		why   string
	}{
		"expired":         {&Mailer{Secret: key, Now: at(sent.AddDate(1, 0, 1))}, token, "expired"},
		"another key":     {&Mailer{Secret: []byte("the-jwt-secret-0123456789abcdef!"), Now: at(sent)}, token, "invalid"},
		"another user":    {mailer, models.NewID().String() + "." + exp + "." + mac, "invalid"},
		"expiry extended": {mailer, id2 + ".9999999999." + mac, "invalid"},
		"no expiry":       {mailer, id2 + "." + mac, "invalid"},
		"empty":           {mailer, "", "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.m.VerifyUnsubscribe(tc.token)
			require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
			require.Contains(t, err.Error(), tc.why)
		})
	}
}

// No string but one the key signed unsubscribes anybody, and none panics.
func FuzzVerifyUnsubscribe(f *testing.F) {
	mailer := &Mailer{Secret: []byte("unsubscribe-key-0123456789abcdef"), Now: time.Now}
	f.Add(mailer.UnsubscribeToken(models.NewID().String()))
	f.Add("..")
	f.Add("0190a0b0-0000-7000-8000-000000000000.9999999999.AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		id, err := mailer.VerifyUnsubscribe(token)
		if err != nil {
			require.Equal(t, models.CodeInvalid, models.ErrorCode(err))
			return
		}
		parts := strings.Split(token, ".")
		require.Len(t, parts, 3)
		require.Equal(t, mailer.unsubscribeMAC(id.String(), parts[1]), parts[2], "only a token the key signed")
	})
}
