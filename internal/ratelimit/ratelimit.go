package ratelimit

import (
	"context"
	"time"
)

// Limiter is the one interface of both implementations.
type Limiter interface {
	// Allow counts one request of key in the fixed window of the given
	// length that holds now; at most max a window are allowed.
	Allow(ctx context.Context, key string, max int, window time.Duration) (Decision, error)
	// Attempt takes one attempt of key under b: refused while the key must
	// wait; otherwise counted as a failure, so that the next attempt waits,
	// until Reset. Counting before the outcome is known leaves no gap in
	// which concurrent attempts slip through.
	Attempt(ctx context.Context, key string, b Backoff) (Decision, error)
	// Reset forgets key's attempts (the attempt succeeded).
	Reset(ctx context.Context, key string) error
}

// Decision is the answer to one request or attempt.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when refused: how long until one is allowed
}

// Backoff is an exponential back-off policy: after After failures each
// further attempt waits Base, then twice as long, up to Max. A key without
// attempts for Max forgets its failures.
type Backoff struct {
	After int
	Base  time.Duration
	Max   time.Duration
}

// maxDoublings bounds the exponent so that the wait cannot overflow: 2^20
// times Base is already far beyond any sane Max.
const maxDoublings = 20

// Wait is how long the attempt after the n-th failure waits.
func (b Backoff) Wait(n int) time.Duration {
	if n < b.After {
		return 0
	}
	return min(b.Base<<min(n-b.After, maxDoublings), b.Max)
}

// windowOf returns the number of now's fixed window and when it ends.
func windowOf(now time.Time, window time.Duration) (int64, time.Time) {
	n := now.UnixNano() / int64(window)
	return n, time.Unix(0, (n+1)*int64(window))
}
