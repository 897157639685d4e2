package notify_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A broadcast page's pushes never fail it: a browser whose push service
// still has not answered its retry when the page must end is given up,
// while the user's browser that answered counts and the user is recorded
// as pushed.
func TestPushRowsGivesUpWhatTheDeadlineCuts(t *testing.T) {
	st := testenv.Postgres(t)
	hung, release := make(chan struct{}), make(chan struct{})
	var tries atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/hang" && tries.Add(1) == 1: // fails at once, while /ok gets it
			w.WriteHeader(http.StatusInternalServerError)
		case r.URL.Path == "/hang": // and hangs on its retry
			close(hung)
			select { // answers nothing until the sender gives up
			case <-r.Context().Done():
			case <-release:
			}
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	priv, pub, err := webpush.GenerateVAPIDKeys()
	require.NoError(t, err)
	p := notify.NewPusher(st, notify.PushConfig{PublicKey: pub, PrivateKey: priv, Subject: "mailto:ops@example.com", AllowHTTP: true,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	p.Retries = []time.Duration{0}
	u := &models.User{ID: models.NewID(), Email: "fan@example.com", PasswordHash: "x", Role: models.RoleFan, DisplayName: "Fan", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(t.Context(), u, nil))
	for _, path := range []string{"/ok", "/hang"} {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		require.NoError(t, err)
		require.NoError(t, st.SavePushSubscription(t.Context(), &models.PushSubscription{ID: models.NewID(), UserID: u.ID, Endpoint: srv.URL + path,
			P256dh: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), Auth: base64.RawURLEncoding.EncodeToString(make([]byte, 16)),
			CreatedAt: time.Now()}, 10))
	}
	row := &models.Notification{ID: models.NewID(), UserID: u.ID, Category: "release", GroupKey: "release", Priority: models.PriorityHigh, Title: "Out now"}

	ctx, cancel := context.WithCancel(t.Context())
	go func() { // the page's time runs out while the push service hangs
		<-hung
		cancel()
	}()
	reached, undelivered, err := p.PushRows(ctx, []*models.Notification{row})
	require.NoError(t, err, "a push cut short is given up, not an error that would retry the page")
	require.Equal(t, 1, reached)
	require.NotEmpty(t, undelivered)
	var pushedAt *time.Time
	require.NoError(t, st.DB(t.Context()).Table("users").Select("pushed_at").Where("id = ?", u.ID).Scan(&pushedAt).Error)
	require.NotNil(t, pushedAt, "recorded as pushed, though ctx ended")
}
