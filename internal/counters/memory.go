package counters

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// Memory is Counters for one process (the embedded mode): one mutex makes
// every operation atomic.
type Memory struct {
	now   func() time.Time
	mu    sync.Mutex
	marks map[string]mark       // user → listening watermark
	seen  map[seenKey]time.Time // a user's client id → when it is forgotten
	live  map[string]*pending   // artist → live counts pending a Take
	swept time.Time
}

type mark struct {
	until   int64 // unix seconds credited until
	expires time.Time
}

type seenKey struct{ user, id string }

type pending struct {
	counts  map[string]int64
	expires time.Time
}

// NewMemory returns empty counters on the clock now (nil: time.Now), which
// expires ids, watermarks and untaken counts.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, marks: map[string]mark{}, seen: map[seenKey]time.Time{}, live: map[string]*pending{}}
}

// Credit implements Counters.
func (m *Memory) Credit(_ context.Context, user string, at time.Time, seconds int64) (int64, error) {
	if ok, err := claimed(seconds); !ok {
		return 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	w, known := m.marks[user]
	if known && !now.Before(w.expires) {
		known = false
	}
	credited, next := credit(w.until, known, at.Unix(), seconds)
	m.marks[user] = mark{until: next, expires: now.Add(WatermarkKeep)}
	return credited, nil
}

// FirstSeen implements Counters.
func (m *Memory) FirstSeen(_ context.Context, user string, ids []string, ttl time.Duration) ([]bool, error) {
	if err := checkBatch(ids, ttl); err != nil {
		return nil, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	out := make([]bool, len(ids))
	for i, id := range ids {
		k := seenKey{user, id}
		if until, ok := m.seen[k]; ok && now.Before(until) {
			continue
		}
		m.seen[k] = now.Add(ttl)
		out[i] = true
	}
	return out, nil
}

// Add implements Counters.
func (m *Memory) Add(_ context.Context, artist string, counts map[string]int64) error {
	if !anyCount(counts) {
		return nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	p := m.live[artist]
	if p == nil || !now.Before(p.expires) {
		p = &pending{counts: map[string]int64{}}
		m.live[artist] = p
	}
	for name, n := range counts {
		p.counts[name] += n
	}
	p.expires = now.Add(LiveKeep)
	return nil
}

// Take implements Counters.
func (m *Memory) Take(_ context.Context, artist string) (map[string]int64, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.live[artist]
	delete(m.live, artist)
	out := map[string]int64{}
	if p == nil || !now.Before(p.expires) {
		return out, nil
	}
	for name, n := range p.counts {
		if n != 0 {
			out[name] = n
		}
	}
	return out, nil
}

// Active implements Counters.
func (m *Memory) Active(context.Context) ([]string, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []string{}
	for artist, p := range m.live {
		if now.Before(p.expires) {
			out = append(out, artist)
		}
	}
	slices.Sort(out)
	return out, nil
}

// sweep drops what has expired, at most once a minute, so the maps hold
// only what was used recently.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.swept) < time.Minute {
		return
	}
	m.swept = now
	maps.DeleteFunc(m.marks, func(_ string, w mark) bool { return !now.Before(w.expires) })
	maps.DeleteFunc(m.seen, func(_ seenKey, until time.Time) bool { return !now.Before(until) })
	maps.DeleteFunc(m.live, func(_ string, p *pending) bool { return !now.Before(p.expires) })
}

// anyCount reports whether counts adds anything.
func anyCount(counts map[string]int64) bool {
	for _, n := range counts {
		if n != 0 {
			return true
		}
	}
	return false
}
