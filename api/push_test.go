package api_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/testenv"
	"github.com/fanfare/fanfare/models"
)

// pushService stands in for a browser vendor's push service: /gone answers
// 410 as for an expired subscription.
type pushService struct {
	mu   sync.Mutex
	hits map[string][]*http.Request
}

func (p *pushService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if len(body) == 0 {
		w.WriteHeader(http.StatusBadRequest) // an encrypted payload is always there
		return
	}
	p.mu.Lock()
	p.hits[r.URL.Path] = append(p.hits[r.URL.Path], r)
	p.mu.Unlock()
	if r.URL.Path == "/gone" {
		w.WriteHeader(http.StatusGone)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (p *pushService) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hits[path])
}

func subscriberKeys(t *testing.T) map[string]string {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}
}

func TestWebPush(t *testing.T) {
	t.Parallel()
	ps := &pushService{hits: map[string][]*http.Request{}}
	srv := httptest.NewServer(ps)
	t.Cleanup(srv.Close)
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Pushed")

	r := app.Do(t, http.MethodGet, "/api/push/vapid-key", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), "public_key")

	keys := subscriberKeys(t)
	for _, path := range []string{"/ok", "/gone"} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": srv.URL + path, "keys": keys})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"not a key":      {map[string]any{"endpoint": srv.URL + "/x", "keys": map[string]string{"p256dh": "bm9wZQ", "auth": keys["auth"]}}, "keys.p256dh"},
		"short auth":     {map[string]any{"endpoint": srv.URL + "/x", "keys": map[string]string{"p256dh": keys["p256dh"], "auth": "YWJj"}}, "keys.auth"},
		"not http(s)":    {map[string]any{"endpoint": "ftp://push.example/x", "keys": keys}, "endpoint"},
		"missing keys":   {map[string]any{"endpoint": srv.URL + "/x"}, "p256dh"},
		"unknown fields": {map[string]any{"endpoint": srv.URL + "/x", "keys": keys, "expirationTime": nil}, "expirationTime"},
	} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, tc.body)
		require.Equal(t, http.StatusBadRequest, r.Status, name)
		require.Equal(t, tc.field, decodeField(t, r), name)
	}
	require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodPost, "/api/push/subscriptions", "", map[string]any{}).Status)

	app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 0})
	_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{
		UserID: uuid.MustParse(fan.User.ID), Category: "party", Title: "The party starts", Body: "Join now",
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ps.count("/ok") == 1 && ps.count("/gone") == 1 }, time.Minute, 100*time.Millisecond)
	req := ps.hits["/ok"][0]
	require.True(t, strings.HasPrefix(req.Header.Get("Authorization"), "vapid t="), req.Header.Get("Authorization"))
	require.Equal(t, "aes128gcm", req.Header.Get("Content-Encoding"))
	require.Equal(t, "high", req.Header.Get("Urgency"))

	// The 410 made the platform forget that subscription.
	require.Eventually(t, func() bool {
		var n int64
		app.Platform.Store.DB(t.Context()).Model(&models.PushSubscription{}).Count(&n)
		return n == 1
	}, 10*time.Second, 100*time.Millisecond)

	body := map[string]string{"endpoint": srv.URL + "/ok"}
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, "/api/push/subscriptions", fan.AccessToken, body).Status)
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodDelete, "/api/push/subscriptions", fan.AccessToken, body).Status)
}
