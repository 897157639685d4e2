package realtime_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sink collects what a broker delivers.
type sink struct {
	mu     sync.Mutex
	frames map[string][]string
}

func (s *sink) deliver(room string, frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames[room] = append(s.frames[room], string(frame))
}

func (s *sink) got(room string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames[room]...)
}

type brokerFactory func(t *testing.T, deliver realtime.Deliver) realtime.Broker

// brokers are every implementation; the Redis ones of one test share a
// prefix, as two api instances would.
func brokers(t *testing.T) map[string]func(t *testing.T) brokerFactory {
	return map[string]func(t *testing.T) brokerFactory{
		"memory": func(t *testing.T) brokerFactory {
			return func(t *testing.T, d realtime.Deliver) realtime.Broker {
				b := realtime.NewMemoryBroker(d)
				t.Cleanup(func() { b.Close() })
				return b
			}
		},
		"redis": func(t *testing.T) brokerFactory {
			rdb, prefix := testenv.Redis(t)
			return func(t *testing.T, d realtime.Deliver) realtime.Broker {
				b := realtime.NewRedisBroker(rdb, prefix, d)
				t.Cleanup(func() { b.Close() })
				return b
			}
		},
	}
}

func tail(typ string, n int) []byte {
	return []byte(fmt.Sprintf(`"type":%q,"room":"r","data":{"n":%d}}`, typ, n))
}

// The broker conformance suite: memory and Redis behave the same.
func TestBrokerConformance(t *testing.T) {
	for name, mk := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			newBroker := mk(t)
			s := &sink{frames: map[string][]string{}}
			b := newBroker(t, s.deliver)

			t.Run("delivers only subscribed rooms, with seq and ts", func(t *testing.T) {
				_, err := b.Publish(ctx, "quiet", tail("x", 0), false)
				require.NoError(t, err)
				require.NoError(t, b.Subscribe(ctx, "room:a"))
				for i := 1; i <= 3; i++ {
					seq, err := b.Publish(ctx, "room:a", tail("x", i), false)
					require.NoError(t, err)
					require.EqualValues(t, i, seq)
				}
				require.Eventually(t, func() bool { return len(s.got("room:a")) == 3 }, 5*time.Second, 10*time.Millisecond)
				first := s.got("room:a")[0]
				require.True(t, strings.HasPrefix(first, `{"seq":1,"ts":`), first)
				require.True(t, strings.HasSuffix(first, `"type":"x","room":"r","data":{"n":1}}`), first)
				require.Empty(t, s.got("quiet"))

				// Unsubscribed, room:a gets nothing more: a sentinel event of
				// another room, published after room:a's, arrives, and events
				// reach an instance in the order they were published.
				require.NoError(t, b.Unsubscribe(ctx, "room:a"))
				require.NoError(t, b.Subscribe(ctx, "room:sentinel")) // confirmed after the unsubscribe, on the same connection
				_, err = b.Publish(ctx, "room:a", tail("x", 4), false)
				require.NoError(t, err)
				_, err = b.Publish(ctx, "room:sentinel", tail("x", 0), false)
				require.NoError(t, err)
				require.Eventually(t, func() bool { return len(s.got("room:sentinel")) == 1 }, 5*time.Second, 10*time.Millisecond)
				require.Len(t, s.got("room:a"), 3)
			})

			t.Run("ephemeral events have no seq and no history", func(t *testing.T) {
				require.NoError(t, b.Subscribe(ctx, "room:e"))
				seq, err := b.Publish(ctx, "room:e", tail("typing_start", 0), true)
				require.NoError(t, err)
				require.Zero(t, seq)
				require.Eventually(t, func() bool { return len(s.got("room:e")) == 1 }, 5*time.Second, 10*time.Millisecond)
				require.True(t, strings.HasPrefix(s.got("room:e")[0], `{"ts":`))
				h, err := b.History(ctx, "room:e", 0, "")
				require.NoError(t, err)
				require.Zero(t, h.Seq)
				require.Empty(t, h.Events)
			})

			t.Run("history recovers what a client missed", func(t *testing.T) {
				for i := 1; i <= 10; i++ {
					_, err := b.Publish(ctx, "room:h", tail("x", i), false)
					require.NoError(t, err)
				}
				h, err := b.History(ctx, "room:h", 0, "")
				require.NoError(t, err)
				require.EqualValues(t, 10, h.Seq)
				require.NotEmpty(t, h.Epoch)

				missed, err := b.History(ctx, "room:h", 7, h.Epoch)
				require.NoError(t, err)
				require.True(t, missed.Recovered)
				require.Len(t, missed.Events, 3)
				require.Contains(t, string(missed.Events[0]), `"seq":8,`)
				require.Contains(t, string(missed.Events[2]), `"seq":10,`)

				upToDate, err := b.History(ctx, "room:h", 10, h.Epoch)
				require.NoError(t, err)
				require.True(t, upToDate.Recovered)
				require.Empty(t, upToDate.Events)

				otherEpoch, err := b.History(ctx, "room:h", 7, "another-epoch")
				require.NoError(t, err)
				require.False(t, otherEpoch.Recovered)
				require.Empty(t, otherEpoch.Events)
			})

			t.Run("history keeps the last 300 events", func(t *testing.T) {
				for i := 1; i <= realtime.HistorySize+20; i++ {
					_, err := b.Publish(ctx, "room:big", tail("x", i), false)
					require.NoError(t, err)
				}
				h, err := b.History(ctx, "room:big", 0, "")
				require.NoError(t, err)
				tooOld, err := b.History(ctx, "room:big", 5, h.Epoch)
				require.NoError(t, err)
				require.False(t, tooOld.Recovered)
				recent, err := b.History(ctx, "room:big", 30, h.Epoch)
				require.NoError(t, err)
				require.True(t, recent.Recovered)
				require.Len(t, recent.Events, realtime.HistorySize-10)
			})
		})
	}
}

// Two Redis brokers on one prefix are two api instances: each receives the
// other's events for the rooms it subscribed to, and seqs are shared.
func TestRedisBrokersShareRooms(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	s1, s2 := &sink{frames: map[string][]string{}}, &sink{frames: map[string][]string{}}
	b1 := realtime.NewRedisBroker(rdb, prefix, s1.deliver)
	b2 := realtime.NewRedisBroker(rdb, prefix, s2.deliver)
	t.Cleanup(func() { b1.Close(); b2.Close() })
	require.NoError(t, b1.Subscribe(ctx, "party:1"))
	require.NoError(t, b2.Subscribe(ctx, "party:1"))
	seq1, err := b1.Publish(ctx, "party:1", tail("x", 1), false)
	require.NoError(t, err)
	seq2, err := b2.Publish(ctx, "party:1", tail("x", 2), false)
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2}, []uint64{seq1, seq2})
	for _, s := range []*sink{s1, s2} {
		require.Eventually(t, func() bool { return len(s.got("party:1")) == 2 }, 5*time.Second, 10*time.Millisecond)
	}
}

func TestPresenceConformance(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T) realtime.Presence{
		"memory": func(*testing.T) realtime.Presence { return realtime.NewMemoryPresence() },
		"redis": func(t *testing.T) realtime.Presence {
			rdb, prefix := testenv.Redis(t)
			return realtime.NewRedisPresence(rdb, prefix)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := mk(t)
			first, err := p.Connect(ctx, "u1", "c1", 2)
			require.NoError(t, err)
			require.True(t, first)
			first, err = p.Connect(ctx, "u1", "c2", 2)
			require.NoError(t, err)
			require.False(t, first)
			_, err = p.Connect(ctx, "u1", "c3", 2)
			require.ErrorIs(t, err, realtime.ErrTooManyConnections)

			online, err := p.Online(ctx, []string{"u1", "u2"})
			require.NoError(t, err)
			require.Equal(t, map[string]bool{"u1": true, "u2": false}, online)
			require.NoError(t, p.Refresh(ctx, map[string][]string{"u1": {"c1", "c2"}}, nil))

			last, err := p.Disconnect(ctx, "u1", "c1")
			require.NoError(t, err)
			require.False(t, last)
			last, err = p.Disconnect(ctx, "u1", "c2")
			require.NoError(t, err)
			require.True(t, last)
			last, err = p.Disconnect(ctx, "u1", "c2")
			require.NoError(t, err)
			require.False(t, last, "a second disconnect is not a second offline")
			online, err = p.Online(ctx, []string{"u1"})
			require.NoError(t, err)
			require.False(t, online["u1"])

			t.Run("crowd rooms count connections", func(t *testing.T) {
				for _, c := range []string{"c1", "c2", "c2"} {
					require.NoError(t, p.Enter(ctx, "artist:1", c))
				}
				require.NoError(t, p.Enter(ctx, "artist:2", "c3"))
				require.NoError(t, p.Refresh(ctx, nil, map[string][]string{"artist:1": {"c1", "c2"}}))
				n, err := p.Count(ctx, "artist:1")
				require.NoError(t, err)
				require.Equal(t, 2, n)
				require.NoError(t, p.Leave(ctx, "artist:1", "c1"))
				require.NoError(t, p.Leave(ctx, "artist:1", "c1"))
				n, err = p.Count(ctx, "artist:1")
				require.NoError(t, err)
				require.Equal(t, 1, n)
				n, err = p.Count(ctx, "artist:none")
				require.NoError(t, err)
				require.Zero(t, n)
			})

			t.Run("one claim per interval and room", func(t *testing.T) {
				for _, tc := range []struct {
					room string
					want bool
				}{{"artist:1", true}, {"artist:1", false}, {"artist:2", true}} {
					ok, err := p.Claim(ctx, tc.room, time.Hour)
					require.NoError(t, err)
					require.Equal(t, tc.want, ok, tc.room)
				}
				ok, err := p.Claim(ctx, "artist:3", time.Millisecond)
				require.NoError(t, err)
				require.True(t, ok)
				require.Eventually(t, func() bool {
					ok, err := p.Claim(ctx, "artist:3", time.Millisecond)
					return err == nil && ok
				}, 5*time.Second, 5*time.Millisecond, "claimable again once the interval passed")
			})
		})
	}
}

func TestTicketsAreSingleUse(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	for name, tickets := range map[string]realtime.Tickets{
		"memory": realtime.NewMemoryTickets(),
		"redis":  realtime.NewRedisTickets(rdb, prefix),
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tk, err := tickets.Issue(ctx, "u1|fan")
			require.NoError(t, err)
			got, err := tickets.Redeem(ctx, tk)
			require.NoError(t, err)
			require.Equal(t, "u1|fan", got)
			_, err = tickets.Redeem(ctx, tk)
			require.ErrorIs(t, err, realtime.ErrBadTicket)
			_, err = tickets.Redeem(ctx, "forged")
			require.ErrorIs(t, err, realtime.ErrBadTicket)
		})
	}
}
