package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Stripe is a local stand-in for Stripe's api, for stripe-go to talk to:
// customers and off-session PaymentIntents, with Stripe's idempotency
// (a key replays its first answer) and its test payment methods
// (pm_card_visa succeeds, pm_card_chargeDeclined declines,
// pm_processing stays processing until a webhook says otherwise).
type Stripe struct {
	URL     string
	mu      sync.Mutex
	seen    map[string][]byte // idempotency key → first answer
	Intents []url.Values      // every PaymentIntent created, once per key
}

// StartStripe serves the stand-in until the test ends.
func StartStripe(t testing.TB) *Stripe {
	s := &Stripe{seen: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *Stripe) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer sk_test_") {
		http.Error(w, `{"error":{"type":"invalid_request_error","message":"bad key"}}`, http.StatusUnauthorized)
		return
	}
	_ = r.ParseForm()
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if b, ok := s.seen[key]; ok && key != "" {
		w.Header().Set("Idempotent-Replayed", "true")
		status := http.StatusOK
		if strings.Contains(string(b), `"error"`) {
			status = http.StatusPaymentRequired
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
		return
	}
	status, body := http.StatusOK, []byte(nil)
	switch r.URL.Path {
	case "/v1/customers":
		body = []byte(fmt.Sprintf(`{"id":"cus_%d","object":"customer"}`, time.Now().UnixNano()))
	case "/v1/payment_intents":
		s.Intents = append(s.Intents, r.PostForm)
		status, body = intent(r.PostForm, fmt.Sprintf("pi_%d", len(s.Intents)))
	default:
		status, body = http.StatusNotFound, []byte(`{"error":{"type":"invalid_request_error","message":"unknown path"}}`)
	}
	s.seen[key] = body
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func intent(f url.Values, id string) (int, []byte) {
	amount, _ := strconv.ParseInt(f.Get("amount"), 10, 64)
	pi := map[string]any{"id": id, "object": "payment_intent", "amount": amount, "currency": f.Get("currency"),
		"status": "succeeded", "metadata": metadata(f)}
	switch f.Get("payment_method") {
	case "pm_card_chargeDeclined":
		pi["status"] = "requires_payment_method"
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"type": "card_error", "code": "card_declined",
			"decline_code": "generic_decline", "message": "Your card was declined.", "payment_intent": pi}})
		return http.StatusPaymentRequired, b
	case "pm_processing":
		pi["status"] = "processing"
	}
	b, _ := json.Marshal(pi)
	return http.StatusOK, b
}

func metadata(f url.Values) map[string]string {
	m := map[string]string{}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "metadata["); ok {
			m[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return m
}

// IntentCount is how many PaymentIntents were created.
func (s *Stripe) IntentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Intents)
}

// SignedEvent returns a Stripe event about a PaymentIntent and its
// Stripe-Signature header, signed with secret at the given time.
func SignedEvent(t testing.TB, secret string, typ stripe.EventType, pi map[string]any, at time.Time) ([]byte, string) {
	pi["object"] = "payment_intent"
	ev := map[string]any{"id": fmt.Sprintf("evt_%d", time.Now().UnixNano()), "object": "event", "type": typ,
		"api_version": stripe.APIVersion, "created": at.Unix(), "data": map[string]any{"object": pi}}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return signed.Payload, signed.Header
}
