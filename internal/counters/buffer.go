package counters

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Buffer is an append-only queue of encoded items between the api, which
// pushes accepted engagement events, and the flush, which writes them to
// PostgreSQL. Delivery is at least once: the flush Peeks a batch, writes
// it, then Acks it; a crash in between delivers the batch again, which the
// store's unique keys make harmless. A separate interface from Counters,
// with its own conformance suite.
type Buffer interface {
	// Push appends items, in order, in one step: all of them or none.
	Push(ctx context.Context, items [][]byte) error
	// Peek returns up to max of the oldest items, oldest first, without
	// removing them.
	Peek(ctx context.Context, max int) ([]Entry, error)
	// Ack removes upTo and every item older than it: what a Peek returned
	// and the flush wrote. Items pushed since stay.
	Ack(ctx context.Context, upTo Entry) error
	// Len is how many items wait: the flush's backlog.
	Len(ctx context.Context) (int64, error)
}

// Entry is one buffered item and its place in the queue.
type Entry struct {
	ID   string // a Redis stream id ("ms-seq"), or the memory buffer's sequence
	Data []byte
}

// BufferCap bounds a buffer: once it holds that many items, the oldest
// are dropped (Redis trims approximately, so a little over it). At about
// 150 bytes an event that is some 300 MB of Redis, and at 10,000 events a
// second more than three minutes of a stopped flush; the flush's backlog
// is in its answer long before (docs/operations.md).
const BufferCap = 2_000_000

// NewBuffer returns the Redis buffer when rdb is set (one stream under
// prefix), the memory one otherwise: as New chooses the counters.
func NewBuffer(rdb *redis.Client, prefix string) Buffer {
	if rdb != nil {
		return NewRedisBuffer(rdb, prefix+"buffer", BufferCap)
	}
	return NewMemoryBuffer(BufferCap)
}

// checkPeek refuses a Peek of no items.
func checkPeek(max int) error {
	if max < 1 {
		return fmt.Errorf("%w: a peek of %d items", ErrInvalid, max)
	}
	return nil
}
