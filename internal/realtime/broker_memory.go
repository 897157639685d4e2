package realtime

import (
	"context"
	"sync"
	"time"
)

// MemoryBroker is the single-node broker: rooms live in this process.
type MemoryBroker struct {
	deliver Deliver
	epoch   string

	mu    sync.Mutex
	rooms map[string]*memRoom
	stop  chan struct{}
}

type memRoom struct {
	seq        uint64
	history    [][]byte // oldest first, at most HistorySize
	last       time.Time
	subscribed bool
}

// NewMemoryBroker returns a broker that delivers to deliver.
func NewMemoryBroker(deliver Deliver) *MemoryBroker {
	b := &MemoryBroker{deliver: deliver, epoch: newEpoch(), rooms: map[string]*memRoom{}, stop: make(chan struct{})}
	go b.sweep()
	return b
}

// sweep forgets rooms nobody here listens to once their history is too old
// to recover from, so rooms do not pile up in memory.
func (b *MemoryBroker) sweep() {
	t := time.NewTicker(HistoryMaxAge)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case now := <-t.C:
			b.mu.Lock()
			for name, r := range b.rooms {
				if !r.subscribed && now.Sub(r.last) > HistoryMaxAge {
					delete(b.rooms, name)
				}
			}
			b.mu.Unlock()
		}
	}
}

func (b *MemoryBroker) room(name string) *memRoom {
	r := b.rooms[name]
	if r == nil {
		r = &memRoom{}
		b.rooms[name] = r
	}
	return r
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(_ context.Context, room string, tail []byte, ephemeral bool) (uint64, error) {
	now := time.Now().UnixMilli()
	b.mu.Lock()
	r := b.room(room)
	var seq uint64
	if !ephemeral {
		r.seq++
		seq = r.seq
	}
	frame := withHeader(seq, now, tail)
	if !ephemeral {
		r.history = append(r.history, frame)
		if len(r.history) > HistorySize {
			r.history = r.history[1:]
		}
		r.last = time.Now()
	}
	subscribed := r.subscribed
	b.mu.Unlock()
	if subscribed {
		b.deliver(room, frame)
	}
	return seq, nil
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(_ context.Context, room string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.room(room).subscribed = true
	return nil
}

// Unsubscribe implements Broker.
func (b *MemoryBroker) Unsubscribe(_ context.Context, room string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.rooms[room]; r != nil {
		r.subscribed = false
	}
	return nil
}

// History implements Broker.
func (b *MemoryBroker) History(_ context.Context, room string, since uint64, epoch string) (History, error) {
	b.mu.Lock()
	r := b.room(room)
	h := History{Seq: r.seq, Epoch: b.epoch}
	entries := make([][]byte, len(r.history))
	for i, e := range r.history { // newest first, as recoverable reads them
		entries[len(entries)-1-i] = e
	}
	b.mu.Unlock()
	if epoch != "" && epoch != b.epoch {
		return h, nil
	}
	h.Events, h.Recovered = recoverable(entries, h.Seq, since, time.Now())
	return h, nil
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	close(b.stop)
	return nil
}
