package counters

import (
	"context"
	"fmt"
	"strconv"
	"sync"
)

// MemoryBuffer is Buffer for one process (the embedded mode, where the
// api and the worker share it): a slice behind a mutex.
type MemoryBuffer struct {
	mu    sync.Mutex
	cap   int
	next  uint64       // the sequence of the next item pushed
	items []memoryItem // oldest first
}

type memoryItem struct {
	seq  uint64
	data []byte
}

// NewMemoryBuffer returns an empty buffer holding at most capacity items.
func NewMemoryBuffer(capacity int) *MemoryBuffer {
	return &MemoryBuffer{cap: capacity, next: 1}
}

// Push implements Buffer.
func (m *MemoryBuffer) Push(_ context.Context, items [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, it := range items {
		m.items = append(m.items, memoryItem{m.next, it})
		m.next++
	}
	if over := len(m.items) - m.cap; over > 0 {
		m.items = append([]memoryItem(nil), m.items[over:]...)
	}
	return nil
}

// Peek implements Buffer.
func (m *MemoryBuffer) Peek(_ context.Context, max int) ([]Entry, error) {
	if err := checkPeek(max); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Entry, min(max, len(m.items)))
	for i := range out {
		out[i] = Entry{ID: strconv.FormatUint(m.items[i].seq, 10), Data: m.items[i].data}
	}
	return out, nil
}

// Ack implements Buffer.
func (m *MemoryBuffer) Ack(_ context.Context, upTo Entry) error {
	seq, err := strconv.ParseUint(upTo.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: entry id %q", ErrInvalid, upTo.ID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for n < len(m.items) && m.items[n].seq <= seq {
		n++
	}
	m.items = m.items[n:]
	return nil
}

// Len implements Buffer.
func (m *MemoryBuffer) Len(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.items)), nil
}
