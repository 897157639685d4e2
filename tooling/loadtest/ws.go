package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// Room is a fan-out under test: clients dial it and join one room, and the
// load publishes into that room. Fanfare and the anchor both implement it.
type Room interface {
	// Dial opens client i's socket, joined to the room and ready.
	Dial(ctx context.Context, i int) (*websocket.Conn, error)
	// Publish sends one event whose JSON carries `"t":<sent unix nanos>`.
	Publish(ctx context.Context, sentNanos int64) error
}

// Fanout measures publish → delivery latency at every client of a room.
type Fanout struct {
	Clients  int
	Rate     int // events a second
	Warmup   time.Duration
	Duration time.Duration
}

// FanoutResult is what one fan-out measured.
type FanoutResult struct {
	Published int
	Delivered int
	Expected  int
	Elapsed   time.Duration
	P50, P99  time.Duration
}

// DeliveredPerSecond is messages received by all clients a second.
func (r FanoutResult) DeliveredPerSecond() float64 { return float64(r.Delivered) / r.Elapsed.Seconds() }

// Run connects the clients, publishes at Rate for Warmup+Duration and
// measures the deliveries of the events published after the warm-up.
func (f Fanout) Run(ctx context.Context, room Room) (FanoutResult, error) {
	conns := make([]*websocket.Conn, f.Clients)
	for i := range conns {
		c, err := room.Dial(ctx, i)
		if err != nil {
			closeAll(conns)
			return FanoutResult{}, fmt.Errorf("client %d: %w", i, err)
		}
		conns[i] = c
	}
	defer closeAll(conns)

	var measureFrom atomic.Int64 // events sent before this are warm-up
	measureFrom.Store(1<<63 - 1)
	arrived := newTally()
	lat := make([][]time.Duration, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { lat[i] = readLatencies(c, &measureFrom, arrived) })
	}

	tick := time.NewTicker(time.Second / time.Duration(f.Rate))
	defer tick.Stop()
	warmEnd := time.Now().Add(f.Warmup)
	end := warmEnd.Add(f.Duration)
	published := 0
	var publishing sync.WaitGroup
	var failed atomic.Pointer[error]
	for now := range tick.C {
		if now.After(end) {
			break
		}
		if now.After(warmEnd) && measureFrom.Load() == 1<<63-1 {
			measureFrom.Store(now.UnixNano())
		}
		// Publishers are many in production (handlers, activities): one
		// goroutine an event keeps the rate whatever a publish's round trip.
		sent := time.Now().UnixNano()
		publishing.Go(func() {
			if err := room.Publish(ctx, sent); err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		})
		if now.After(warmEnd) {
			published++
		}
	}
	publishing.Wait()
	// Every client is to get every measured event: wait until they all
	// arrived, or the drain deadline (what has not arrived by then is lost).
	select {
	case <-arrived.reach(int64(published * f.Clients)):
	case <-time.After(drainTimeout):
	case <-ctx.Done():
	}
	closeAll(conns)
	wg.Wait()
	if err := failed.Load(); err != nil {
		return FanoutResult{}, *err
	}

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res := FanoutResult{Published: published, Delivered: len(all), Expected: published * f.Clients, Elapsed: f.Duration}
	if len(all) == 0 {
		return res, fmt.Errorf("no event was delivered")
	}
	slices.Sort(all)
	res.P50, res.P99 = all[len(all)/2], all[len(all)*99/100]
	return res, nil
}

// drainTimeout bounds the wait for the last events after publishing ends.
const drainTimeout = 10 * time.Second

// tally counts the measured deliveries of every client and tells when they
// reach a target known only once publishing ends.
type tally struct {
	n, target atomic.Int64
	once      sync.Once
	done      chan struct{}
}

func newTally() *tally {
	t := &tally{done: make(chan struct{})}
	t.target.Store(-1) // none yet
	return t
}

func (t *tally) add() {
	if t.n.Add(1) == t.target.Load() {
		t.once.Do(func() { close(t.done) })
	}
}

// reach returns a channel closed once target deliveries were counted.
func (t *tally) reach(target int64) <-chan struct{} {
	t.target.Store(target)
	if t.n.Load() >= target { // reached before the target was known
		t.once.Do(func() { close(t.done) })
	}
	return t.done
}

var tField = []byte(`"t":`)

// readLatencies reads until the socket closes and returns the latency of
// every event sent after measureFrom, counting each in arrived.
func readLatencies(c *websocket.Conn, measureFrom *atomic.Int64, arrived *tally) []time.Duration {
	out := make([]time.Duration, 0, 4096)
	var buf bytes.Buffer
	for {
		_, r, err := c.NextReader()
		if err != nil {
			return out
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return out
		}
		now := time.Now().UnixNano()
		b := buf.Bytes()
		i := bytes.Index(b, tField)
		if i < 0 {
			continue
		}
		j := i + len(tField)
		k := j
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		sent, err := strconv.ParseInt(string(b[j:k]), 10, 64)
		if err != nil || sent < measureFrom.Load() {
			continue
		}
		out = append(out, time.Duration(now-sent))
		arrived.add()
	}
}

func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// Print writes the result as BENCH lines.
func (r FanoutResult) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "BENCH %s_p50 %.2f ms\n", name, float64(r.P50.Microseconds())/1000)
	fmt.Fprintf(w, "BENCH %s_p99 %.2f ms\n", name, float64(r.P99.Microseconds())/1000)
	fmt.Fprintf(w, "BENCH %s_delivered %.0f msg/s\n", name, r.DeliveredPerSecond())
	fmt.Fprintf(w, "BENCH %s_lost %d msg\n", name, r.Expected-r.Delivered)
}
