package discord

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// RefusalMemory is how long a webhook Discord refused (401 invalid token,
// 404 unknown webhook) is answered from memory: neither becomes valid
// again, and each repeat would be a request Discord counts as invalid
// against the server's address.
const RefusalMemory = time.Hour

// remembered reports whether a refusal is worth keeping.
func remembered(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusNotFound
}

// refusals are the webhooks Discord refused lately, by id and token: a
// stranger who checks an artist's webhook id with a wrong token gets it
// refused for that token only, never for the artist's own.
type refusals struct {
	mu    sync.Mutex
	by    map[[sha256.Size]byte]refusal
	swept time.Time
}

type refusal struct {
	err   Error
	until time.Time
}

func refusalKey(w Webhook) [sha256.Size]byte {
	return sha256.Sum256([]byte(w.ID + "/" + w.Token))
}

// get returns w's refusal while it is remembered.
func (r *refusals) get(w Webhook, now time.Time) (Error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.by[refusalKey(w)]
	return f.err, ok && now.Before(f.until)
}

// put remembers w's refusal, and forgets the expired ones at most once a
// minute so the map holds only recent refusals.
func (r *refusals) put(w Webhook, e Error, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) >= time.Minute {
		r.swept = now
		for k, f := range r.by {
			if !now.Before(f.until) {
				delete(r.by, k)
			}
		}
	}
	if r.by == nil {
		r.by = map[[sha256.Size]byte]refusal{}
	}
	r.by[refusalKey(w)] = refusal{err: e, until: now.Add(RefusalMemory)}
}
