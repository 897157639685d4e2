package counters

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisBuffer is Buffer shared by every api instance and worker: one
// Redis stream. A push is a MULTI of XADDs (one round trip, all or none),
// each trimming the stream to about cap items; an ack trims by id.
type RedisBuffer struct {
	rdb *redis.Client
	key string
	cap int64
}

// NewRedisBuffer returns the buffer kept in the stream key, holding about
// capacity items at most.
func NewRedisBuffer(rdb *redis.Client, key string, capacity int) *RedisBuffer {
	return &RedisBuffer{rdb: rdb, key: key, cap: int64(capacity)}
}

// field is the one field of a stream entry.
const field = "e"

// Push implements Buffer.
func (r *RedisBuffer) Push(ctx context.Context, items [][]byte) error {
	if len(items) == 0 {
		return nil
	}
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, it := range items {
			p.XAdd(ctx, &redis.XAddArgs{Stream: r.key, MaxLen: r.cap, Approx: true, Values: []any{field, it}})
		}
		return nil
	})
	return err
}

// Peek implements Buffer.
func (r *RedisBuffer) Peek(ctx context.Context, max int) ([]Entry, error) {
	if err := checkPeek(max); err != nil {
		return nil, err
	}
	msgs, err := r.rdb.XRangeN(ctx, r.key, "-", "+", int64(max)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(msgs))
	for i, m := range msgs {
		s, _ := m.Values[field].(string)
		out[i] = Entry{ID: m.ID, Data: []byte(s)}
	}
	return out, nil
}

// Ack implements Buffer: XTRIM MINID drops the ids below its argument,
// so it is given the id right after upTo's.
func (r *RedisBuffer) Ack(ctx context.Context, upTo Entry) error {
	ms, seq, ok := strings.Cut(upTo.ID, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || n == ^uint64(0) {
		return fmt.Errorf("%w: entry id %q", ErrInvalid, upTo.ID)
	}
	return r.rdb.XTrimMinID(ctx, r.key, ms+"-"+strconv.FormatUint(n+1, 10)).Err()
}

// Len implements Buffer.
func (r *RedisBuffer) Len(ctx context.Context) (int64, error) {
	return r.rdb.XLen(ctx, r.key).Result()
}
