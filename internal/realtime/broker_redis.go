package realtime

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBroker shares rooms between api instances through Redis pub/sub;
// each room's seq, epoch and history live in Redis under one hash tag.
type RedisBroker struct {
	rdb     *redis.Client
	prefix  string
	deliver Deliver
	pubsub  *redis.PubSub
	done    chan struct{}

	mu      sync.Mutex
	waiting map[string][]chan struct{} // channel → Subscribe calls awaiting Redis's confirmation
}

// publishScript assigns the next seq, keeps the frame in the history
// (newest first, trimmed to size and age) and publishes it, atomically.
var publishScript = redis.NewScript(`
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
redis.call('EXPIRE', KEYS[1], 86400)
local frame = '{"seq":' .. seq .. ',"ts":' .. ARGV[2] .. ',' .. ARGV[1]
redis.call('LPUSH', KEYS[2], frame)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], frame)
return seq
`)

// NewRedisBroker returns a broker on rdb whose keys start with prefix.
func NewRedisBroker(rdb *redis.Client, prefix string, deliver Deliver) *RedisBroker {
	b := &RedisBroker{rdb: rdb, prefix: prefix, deliver: deliver, done: make(chan struct{}), waiting: map[string][]chan struct{}{}}
	// Subscribe with no channel yet: the connection is opened on first use.
	b.pubsub = rdb.Subscribe(context.Background())
	go b.receive()
	return b
}

// The room name sits in a hash tag so one room's keys share a cluster slot.
func (b *RedisBroker) channel(room string) string { return b.prefix + "rt:{" + room + "}" }
func (b *RedisBroker) metaKey(room string) string { return b.prefix + "rt:{" + room + "}:meta" }
func (b *RedisBroker) histKey(room string) string { return b.prefix + "rt:{" + room + "}:hist" }

func (b *RedisBroker) receive() {
	defer close(b.done)
	// A large buffer: go-redis drops messages when its channel stays full.
	ch := b.pubsub.ChannelWithSubscriptions(redis.WithChannelSize(16384), redis.WithChannelSendTimeout(time.Second))
	head := len(b.prefix) + len("rt:{")
	for m := range ch {
		switch m := m.(type) {
		case *redis.Message:
			b.deliver(m.Channel[head:len(m.Channel)-1], []byte(m.Payload))
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				b.mu.Lock()
				for _, w := range b.waiting[m.Channel] {
					close(w)
				}
				delete(b.waiting, m.Channel)
				b.mu.Unlock()
			}
		}
	}
}

// Publish implements Broker.
func (b *RedisBroker) Publish(ctx context.Context, room string, tail []byte, ephemeral bool) (uint64, error) {
	now := time.Now().UnixMilli()
	if ephemeral {
		return 0, b.rdb.Publish(ctx, b.channel(room), withHeader(0, now, tail)).Err()
	}
	seq, err := publishScript.Run(ctx, b.rdb, []string{b.metaKey(room), b.histKey(room)},
		tail, now, newEpoch(), HistorySize, HistoryMaxAge.Milliseconds(), b.channel(room)).Uint64()
	return seq, err
}

// Subscribe implements Broker. It returns once Redis confirmed the
// subscription, so an event published right after it is not missed.
func (b *RedisBroker) Subscribe(ctx context.Context, room string) error {
	ch := b.channel(room)
	confirmed := make(chan struct{})
	b.mu.Lock()
	b.waiting[ch] = append(b.waiting[ch], confirmed)
	b.mu.Unlock()
	if err := b.pubsub.Subscribe(ctx, ch); err != nil {
		return err
	}
	select {
	case <-confirmed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second):
		return errors.New("redis did not confirm the subscription")
	}
}

// Unsubscribe implements Broker.
func (b *RedisBroker) Unsubscribe(ctx context.Context, room string) error {
	return b.pubsub.Unsubscribe(ctx, b.channel(room))
}

// History implements Broker.
func (b *RedisBroker) History(ctx context.Context, room string, since uint64, epoch string) (History, error) {
	var (
		meta *redis.SliceCmd
		list *redis.StringSliceCmd
	)
	_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		meta = p.HMGet(ctx, b.metaKey(room), "seq", "epoch")
		list = p.LRange(ctx, b.histKey(room), 0, -1)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return History{}, err
	}
	vals := meta.Val()
	var h History
	if s, ok := vals[0].(string); ok {
		h.Seq, _ = strconv.ParseUint(s, 10, 64)
	}
	if e, ok := vals[1].(string); ok {
		h.Epoch = e
	}
	if epoch != "" && epoch != h.Epoch {
		return h, nil
	}
	entries := make([][]byte, len(list.Val()))
	for i, s := range list.Val() {
		entries[i] = []byte(s)
	}
	h.Events, h.Recovered = recoverable(entries, h.Seq, since, time.Now())
	return h, nil
}

// Close implements Broker.
func (b *RedisBroker) Close() error {
	err := b.pubsub.Close()
	<-b.done
	if err != nil && !strings.Contains(err.Error(), "closed") {
		return err
	}
	return nil
}
