package api_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// pushHit is one request a push service received.
type pushHit struct {
	header http.Header
	body   []byte
}

// pushService stands in for a browser vendor's push service: /gone answers
// 410 as for an expired subscription, /broken always 500, /flaky 500 twice
// and then 201, /once 500 once and then 201, /redirect 307 to /target.
type pushService struct {
	mu   sync.Mutex
	hits map[string][]pushHit
}

func newPushService(t *testing.T) (*pushService, *httptest.Server) {
	ps := &pushService{hits: map[string][]pushHit{}}
	srv := httptest.NewServer(ps)
	t.Cleanup(srv.Close)
	return ps, srv
}

func (p *pushService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if len(body) == 0 {
		w.WriteHeader(http.StatusBadRequest) // an encrypted payload is always there
		return
	}
	p.mu.Lock()
	p.hits[r.URL.Path] = append(p.hits[r.URL.Path], pushHit{r.Header.Clone(), body})
	n := len(p.hits[r.URL.Path])
	p.mu.Unlock()
	switch {
	case r.URL.Path == "/gone":
		w.WriteHeader(http.StatusGone)
	case r.URL.Path == "/broken", r.URL.Path == "/flaky" && n <= 2, r.URL.Path == "/once" && n == 1:
		w.WriteHeader(http.StatusInternalServerError)
	case r.URL.Path == "/redirect":
		http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
	default:
		w.WriteHeader(http.StatusCreated)
	}
}

func (p *pushService) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hits[path])
}

func (p *pushService) hit(path string, i int) pushHit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path][i]
}

// browser is a browser's push subscription: its keys as PushSubscription.toJSON() sends them, and the private half.
type browser struct {
	keys map[string]string
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) browser {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return browser{priv: k, auth: auth, keys: map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}}
}

// decrypt opens an RFC 8291 (aes128gcm, RFC 8188) push message as the browser would.
func (b browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	require.Greater(t, len(body), 21)
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	require.Equal(t, 65, idLen, "keyid is the sender's uncompressed P-256 key")
	require.GreaterOrEqual(t, int(rs), len(body)-21-idLen, "a single record")
	serverPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idLen])
	require.NoError(t, err)
	shared, err := b.priv.ECDH(serverPub)
	require.NoError(t, err)
	prk, err := hkdf.Extract(sha256.New, shared, b.auth)
	require.NoError(t, err)
	ikm, err := hkdf.Expand(sha256.New, prk, "WebPush: info\x00"+string(b.priv.PublicKey().Bytes())+string(serverPub.Bytes()), 32)
	require.NoError(t, err)
	prk, err = hkdf.Extract(sha256.New, ikm, salt)
	require.NoError(t, err)
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	require.NoError(t, err)
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	require.NoError(t, err)
	block, err := aes.NewCipher(cek)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	plain, err := gcm.Open(nil, nonce, body[21+idLen:], nil)
	require.NoError(t, err)
	plain = []byte(strings.TrimRight(string(plain), "\x00")) // padding
	require.True(t, len(plain) > 0 && plain[len(plain)-1] == 2, "the last record ends with delimiter 0x02")
	return plain[:len(plain)-1]
}

// verifyVAPID checks the Authorization header a push service gets: an
// ES256 JWT signed with the platform's VAPID key, for the endpoint's origin.
func verifyVAPID(t *testing.T, h http.Header, publicKey, origin, subject string) {
	t.Helper()
	rest, ok := strings.CutPrefix(h.Get("Authorization"), "vapid t=")
	require.True(t, ok, h.Get("Authorization"))
	token, k, ok := strings.Cut(rest, ", k=")
	require.True(t, ok)
	require.Equal(t, publicKey, k)
	raw, err := base64.RawURLEncoding.DecodeString(publicKey)
	require.NoError(t, err)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	require.NoError(t, err)
	var claims jwt.RegisteredClaims
	_, err = jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(origin), jwt.WithExpirationRequired())
	require.NoError(t, err)
	require.Equal(t, subject, claims.Subject)
	require.True(t, claims.ExpiresAt.Before(time.Now().Add(24*time.Hour)), "VAPID tokens live at most 24 h")
}

// loopbackPush lets the app's push client reach the test's local push service.
func loopbackPush(c *config.Config) {
	c.PushDialAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

func TestWebPush(t *testing.T) {
	t.Parallel()
	ps, srv := newPushService(t)
	app := testenv.StartApp(t, testenv.WithConfig(loopbackPush))
	fan := app.Register(t, "fan", "Pushed")

	r := app.Do(t, http.MethodGet, "/api/push/vapid-key", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var vapid struct {
		PublicKey string `json:"public_key"`
	}
	r.Decode(t, &vapid)

	ok, gone := newBrowser(t), newBrowser(t)
	for path, b := range map[string]browser{"/ok": ok, "/gone": gone} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": srv.URL + path, "keys": b.keys})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	keys := ok.keys
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"not a key":      {map[string]any{"endpoint": srv.URL + "/x", "keys": map[string]string{"p256dh": "bm9wZQ", "auth": keys["auth"]}}, "keys.p256dh"},
		"short auth":     {map[string]any{"endpoint": srv.URL + "/x", "keys": map[string]string{"p256dh": keys["p256dh"], "auth": "YWJj"}}, "keys.auth"},
		"not http(s)":    {map[string]any{"endpoint": "ftp://push.example/x", "keys": keys}, "endpoint"},
		"no host":        {map[string]any{"endpoint": "https:///x", "keys": keys}, "endpoint"},
		"private":        {map[string]any{"endpoint": "https://10.0.0.7/x", "keys": keys}, "endpoint"},
		"metadata":       {map[string]any{"endpoint": "http://169.254.169.254/latest/meta-data", "keys": keys}, "endpoint"},
		"missing keys":   {map[string]any{"endpoint": srv.URL + "/x"}, "p256dh"},
		"unknown fields": {map[string]any{"endpoint": srv.URL + "/x", "keys": keys, "expirationTime": nil}, "expirationTime"},
	} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, tc.body)
		require.Equal(t, http.StatusBadRequest, r.Status, name)
		require.Equal(t, tc.field, decodeField(t, r), name)
	}
	require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodPost, "/api/push/subscriptions", "", map[string]any{}).Status)

	app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 0})
	n, err := app.Platform.Notify.Send(t.Context(), notify.Notification{
		UserID: uuid.MustParse(fan.User.ID), Category: "party", Title: "The party starts", Body: "Join now",
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return ps.count("/ok") == 1 && ps.count("/gone") == 1 }, time.Minute, 100*time.Millisecond)
	hit := ps.hit("/ok", 0)
	verifyVAPID(t, hit.header, vapid.PublicKey, srv.URL, app.Platform.Config.VAPIDSubject)
	require.Equal(t, "aes128gcm", hit.header.Get("Content-Encoding"))
	require.Equal(t, "high", hit.header.Get("Urgency"))
	var payload struct {
		Title, Body string
		IDs         []string `json:"notification_ids"`
	}
	require.NoError(t, json.Unmarshal(ok.decrypt(t, hit.body), &payload))
	require.Equal(t, "The party starts", payload.Title)
	require.Equal(t, "Join now", payload.Body)
	require.Equal(t, []string{n.ID.String()}, payload.IDs)

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

// One browser that fails does not make the others get the digest again:
// each is retried on its own and the activity does not retry them all.
func TestWebPushRetriesOnlyTheFailingBrowser(t *testing.T) {
	t.Parallel()
	ps, srv := newPushService(t)
	app := testenv.StartApp(t, testenv.WithConfig(loopbackPush))
	fan := app.Register(t, "fan", "Many browsers")
	for _, path := range []string{"/ok", "/flaky", "/broken", "/gone", "/redirect"} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": srv.URL + path, "keys": newBrowser(t).keys})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 0})
	_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{UserID: uuid.MustParse(fan.User.ID), Category: "party", Title: "Live now"})
	require.NoError(t, err)

	awaitInbox(t, app, fan.User.ID, models.ChannelPush, 1) // the delivery is over: nothing more will be sent
	attempts := 1 + len(app.Platform.Pusher.Retries)
	for path, want := range map[string]int{"/ok": 1, "/gone": 1, "/flaky": 3, "/broken": attempts, "/redirect": attempts, "/target": 0} {
		require.Equal(t, want, ps.count(path), path)
	}
	subs, err := app.Platform.Store.PushSubscriptions(t.Context(), uuid.MustParse(fan.User.ID))
	require.NoError(t, err)
	require.Len(t, subs, 4, "only the gone one was forgotten")
	require.Contains(t, activityFailures(t, app, fan.User.ID), "push not delivered to 2 subscription(s)")
}

// The push client checks the address it dials, after DNS: a name that
// was public when it was subscribed (names are not resolved then) and
// resolves to loopback when the push is sent is refused then.
func TestWebPushRefusesInnerAddressesAtDialTime(t *testing.T) {
	t.Parallel()
	ps, srv := newPushService(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.PushDialAllow = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} // any port, as with the tests' push services, but not loopback
	}))
	fan := app.Register(t, "fan", "Rebound")
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	sub := func(endpoint string) testenv.Response {
		return app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": endpoint, "keys": newBrowser(t).keys})
	}
	r := sub(srv.URL + "/literal")
	require.Equal(t, http.StatusBadRequest, r.Status, "a loopback literal is refused at once")
	require.Equal(t, "endpoint", decodeField(t, r))
	named := "http://localhost" + port + "/named"
	require.Equal(t, http.StatusBadRequest, sub(named).Status, "localhost is refused at once too")
	// So the rebound name's row is written as subscribe would have.
	keys := newBrowser(t).keys
	require.NoError(t, app.Platform.Store.SavePushSubscription(t.Context(), &models.PushSubscription{
		ID: models.NewID(), UserID: uuid.MustParse(fan.User.ID), Endpoint: named, P256dh: keys["p256dh"], Auth: keys["auth"], CreatedAt: time.Now(),
	}, 10))

	app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 0})
	_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{UserID: uuid.MustParse(fan.User.ID), Category: "party", Title: "Live now"})
	require.NoError(t, err)
	awaitInbox(t, app, fan.User.ID, models.ChannelPush, 1)
	require.Zero(t, ps.count("/named"))
	require.Contains(t, activityFailures(t, app, fan.User.ID), "is not a permitted destination")
}

// An endpoint whose host names an inner address without DNS (a literal in
// any spelling a resolver reads, localhost) is refused when it is
// subscribed, naming the field; nothing is stored.
func TestPushSubscribeRefusesInnerHosts(t *testing.T) {
	t.Parallel()
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Inner")
	for _, host := range []string{
		"localhost", "LOCALHOST.", "push.localhost",
		"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
		"10.0.0.7", "172.16.0.1", "192.168.1.1", "169.254.169.254", "[fe80::1]", "[fc00::1]", "[fd00::1]",
		"0.0.0.0", "[::ffff:10.0.0.1]", "[::ffff:a9fe:a9fe]", "0xa9.0xfe.0xa9.0xfe",
	} {
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": "https://" + host + "/push", "keys": newBrowser(t).keys})
		require.Equal(t, http.StatusBadRequest, r.Status, host)
		require.Equal(t, "invalid", r.ErrorCode(t), host)
		require.Equal(t, "endpoint", decodeField(t, r), host)
	}
	r := app.Do(t, http.MethodPost, "/api/push/subscriptions", fan.AccessToken, map[string]any{"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": newBrowser(t).keys})
	require.Equal(t, http.StatusCreated, r.Status, "a public name: checked again when it is dialled")
	subs, err := app.Platform.Store.PushSubscriptions(t.Context(), uuid.MustParse(fan.User.ID))
	require.NoError(t, err)
	require.Len(t, subs, 1)
}

// An endpoint belongs to the account that registered it; a user keeps at
// most ten, a new one replacing the oldest.
func TestPushSubscriptionOwnershipAndCap(t *testing.T) {
	t.Parallel()
	_, srv := newPushService(t)
	app := testenv.StartApp(t, testenv.WithConfig(loopbackPush))
	owner, thief := app.Register(t, "fan", "Owner"), app.Register(t, "fan", "Thief")
	sub := func(s testenv.Session, path string) testenv.Response {
		return app.Do(t, http.MethodPost, "/api/push/subscriptions", s.AccessToken, map[string]any{"endpoint": srv.URL + path, "keys": newBrowser(t).keys})
	}
	endpoints := func(s testenv.Session) []string {
		subs, err := app.Platform.Store.PushSubscriptions(t.Context(), uuid.MustParse(s.User.ID))
		require.NoError(t, err)
		var out []string
		for _, p := range subs {
			out = append(out, strings.TrimPrefix(p.Endpoint, srv.URL))
		}
		return out
	}
	require.Equal(t, http.StatusCreated, sub(owner, "/0").Status)
	r := sub(thief, "/0")
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, "conflict", r.ErrorCode(t))
	require.Equal(t, []string{"/0"}, endpoints(owner), "the row stays with its owner")
	require.Empty(t, endpoints(thief))
	r = app.Do(t, http.MethodDelete, "/api/push/subscriptions", thief.AccessToken, map[string]string{"endpoint": srv.URL + "/0"})
	require.Equal(t, http.StatusNotFound, r.Status, "nor can another account remove it")

	for i := 1; i <= 10; i++ {
		require.Equal(t, http.StatusCreated, sub(owner, "/"+string(rune('a'+i))).Status)
	}
	got := endpoints(owner)
	require.Len(t, got, 10)
	require.NotContains(t, got, "/0", "the eleventh replaced the oldest")
}
