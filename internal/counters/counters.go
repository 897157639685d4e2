package counters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counters is the one interface of both implementations.
type Counters interface {
	// Credit credits a claim of seconds of listening by user that ended at
	// at, against the user's watermark W (credited until): the claim covers
	// [at-seconds, at] and only its part after W is credited, then W moves
	// to max(W, at). So concurrent sessions, overlapping or replayed
	// reports credit no second of wall-clock time twice; a report older
	// than W credits nothing, even for a stretch never credited (one
	// watermark per fan keeps it one atomic step). Times count in whole
	// seconds (at is truncated). A claim of 0 seconds credits 0 and leaves
	// W as it is; a negative one is ErrInvalid. The caller bounds at (not
	// far ahead of its clock, which would hold all credit back until then)
	// and a single claim's size; a watermark unused for WatermarkKeep is
	// forgotten.
	Credit(ctx context.Context, user string, at time.Time, seconds int64) (credited int64, err error)
	// FirstSeen reports for each of user's client event ids whether it is
	// seen for the first time within ttl (true) or again (false); within
	// one batch only an id's first occurrence is new. A batch holds at
	// most MaxBatch ids and is one round trip; ttl is at least a
	// millisecond.
	FirstSeen(ctx context.Context, user string, ids []string, ttl time.Duration) ([]bool, error)
	// Add adds counts (plays, reactions, new_followers, …) to artist's
	// live counts pending the next Take, and lists artist in Active.
	// Zero counts are nothing.
	Add(ctx context.Context, artist string, counts map[string]int64) error
	// Take returns and resets what was added to artist's live counts since
	// the last Take, on every instance: each increment goes to exactly one
	// taker. Counters that sum to zero are left out; nothing pending is an
	// empty map. Counts nobody takes for LiveKeep are dropped.
	Take(ctx context.Context, artist string) (map[string]int64, error)
	// Active lists, sorted, the artists whose live counts were added to
	// since their last Take, so one ticker finds whom to Take. It may list
	// an artist whose Take then answers nothing.
	Active(ctx context.Context) ([]string, error)
}

// ErrInvalid refuses an argument no caller should pass: a negative claim,
// a batch over MaxBatch, a ttl under a millisecond.
var ErrInvalid = errors.New("counters: invalid argument")

const (
	// MaxBatch is the most ids one FirstSeen takes: a batch of client
	// events.
	MaxBatch = 500
	// WatermarkKeep is how long a user's listening watermark outlives its
	// last Credit: longer than the 24 h a client event may lag behind.
	WatermarkKeep = 48 * time.Hour
	// LiveKeep is how long live counts wait for a Take before they are
	// dropped (no ticker ran: a stale tick is worth nothing), so that
	// nothing piles up when none runs.
	LiveKeep = time.Hour
)

// New returns the Redis counters when rdb is set (keys under prefix), the
// memory ones otherwise: how the limiter is chosen too.
func New(rdb *redis.Client, prefix string) Counters {
	if rdb != nil {
		return NewRedis(rdb, prefix)
	}
	return NewMemory(nil)
}

// credit is the watermark rule in whole seconds: w is the watermark when
// known; it returns the seconds credited and the next watermark. The Redis
// credit script is the same rule in Lua.
func credit(w int64, known bool, at, seconds int64) (credited, next int64) {
	from := at - seconds
	if known && w > from {
		from = w
	}
	credited = max(at-from, 0)
	if known && w > at {
		return credited, w
	}
	return credited, at
}

// checkBatch refuses a FirstSeen batch or ttl out of bounds.
func checkBatch(ids []string, ttl time.Duration) error {
	switch {
	case len(ids) > MaxBatch:
		return fmt.Errorf("%w: %d ids in one batch, at most %d", ErrInvalid, len(ids), MaxBatch)
	case ttl < time.Millisecond:
		return fmt.Errorf("%w: ttl %v under a millisecond", ErrInvalid, ttl)
	}
	return nil
}

// claimed checks a Credit's claim: false when there is nothing to credit,
// with ErrInvalid when it is negative.
func claimed(seconds int64) (bool, error) {
	if seconds < 0 {
		return false, fmt.Errorf("%w: %d seconds of listening", ErrInvalid, seconds)
	}
	return seconds > 0, nil
}
