package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is the Limiter of one process (the embedded mode).
type Memory struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*counter
	backoff map[string]*attempts
	swept   time.Time
}

type counter struct {
	window  int64
	n       int
	expires time.Time
}

type attempts struct {
	failures int
	until    time.Time // no attempt before
	forget   time.Time // the failures are forgotten after
}

// NewMemory returns an in-memory Limiter on the clock now (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, windows: map[string]*counter{}, backoff: map[string]*attempts{}}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, max int, window time.Duration) (Decision, error) {
	now := m.now()
	n, end := windowOf(now, window)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	c := m.windows[key]
	if c == nil || c.window != n {
		c = &counter{window: n, expires: end}
		m.windows[key] = c
	}
	c.n++
	if c.n > max {
		return Decision{RetryAfter: end.Sub(now)}, nil
	}
	return Decision{Allowed: true}, nil
}

// Attempt implements Limiter.
func (m *Memory) Attempt(_ context.Context, key string, b Backoff) (Decision, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	a := m.backoff[key]
	if a == nil || !now.Before(a.forget) {
		a = &attempts{}
		m.backoff[key] = a
	}
	if now.Before(a.until) {
		return Decision{RetryAfter: a.until.Sub(now)}, nil
	}
	a.failures++
	a.until = now.Add(b.Wait(a.failures))
	a.forget = a.until.Add(b.Max)
	return Decision{Allowed: true}, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.backoff, key)
	return nil
}

// sweep drops expired entries, at most once a minute, so the maps hold only
// the keys seen recently.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.swept) < time.Minute {
		return
	}
	m.swept = now
	for k, c := range m.windows {
		if !now.Before(c.expires) {
			delete(m.windows, k)
		}
	}
	for k, a := range m.backoff {
		if !now.Before(a.forget) {
			delete(m.backoff, k)
		}
	}
}
