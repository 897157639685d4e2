package counters_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// buffers are every Buffer implementation holding at most capacity items;
// like impls, each returns a function making instances of one buffer.
func buffers(t testing.TB, capacity int) map[string]func() counters.Buffer {
	return map[string]func() counters.Buffer{
		"memory": func() func() counters.Buffer {
			m := counters.NewMemoryBuffer(capacity)
			return func() counters.Buffer { return m }
		}(),
		"redis": func() func() counters.Buffer {
			_, prefix := testenv.Redis(t)
			return func() counters.Buffer {
				return counters.NewRedisBuffer(testenv.RedisClient(t), prefix+"buffer", capacity)
			}
		}(),
	}
}

// The buffer conformance suite: memory and Redis answer the same.
func TestBufferConformance(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			items := func(from, n int) [][]byte {
				out := make([][]byte, n)
				for i := range out {
					out[i] = fmt.Appendf(nil, "item-%d", from+i)
				}
				return out
			}
			data := func(es []counters.Entry) [][]byte {
				out := make([][]byte, len(es))
				for i, e := range es {
					out[i] = e.Data
				}
				return out
			}
			peek := func(b counters.Buffer, max int) []counters.Entry {
				t.Helper()
				es, err := b.Peek(ctx, max)
				require.NoError(t, err)
				return es
			}
			length := func(b counters.Buffer) int64 {
				t.Helper()
				n, err := b.Len(ctx)
				require.NoError(t, err)
				return n
			}

			t.Run("peek is oldest first and removes nothing; ack removes up to the entry, and only that", func(t *testing.T) {
				instance := buffers(t, 1000)[name]
				one, two := instance(), instance()
				require.Empty(t, peek(one, 10), "an empty buffer")
				require.NoError(t, one.Push(ctx, items(0, 3)))
				require.NoError(t, two.Push(ctx, items(3, 4)))
				require.NoError(t, one.Push(ctx, nil), "an empty push is nothing")
				require.Equal(t, int64(7), length(two))

				first := peek(two, 5)
				require.Equal(t, items(0, 5), data(first))
				require.Equal(t, data(first), data(peek(one, 5)), "a batch not acked is delivered again")
				require.NoError(t, one.Push(ctx, items(7, 1)), "pushed after the peek")
				require.NoError(t, one.Ack(ctx, first[len(first)-1]))
				require.Equal(t, items(5, 3), data(peek(two, 100)), "the acked batch went, what came after stayed")
				require.NoError(t, two.Ack(ctx, first[len(first)-1]), "acking again is harmless")
				require.Equal(t, int64(3), length(one))

				rest := peek(one, 100)
				require.NoError(t, two.Ack(ctx, rest[0]))
				require.Equal(t, items(6, 2), data(peek(one, 100)), "an ack of the first entry of a peek removes that one")
				require.NoError(t, one.Ack(ctx, rest[2]))
				require.Empty(t, peek(two, 100))
				require.Equal(t, int64(0), length(two))
			})

			t.Run("items are bytes, kept as pushed", func(t *testing.T) {
				b := buffers(t, 1000)[name]()
				odd := [][]byte{{0, 1, 0xff, 0xfe}, []byte(`{"a":"é"}`), {}}
				require.NoError(t, b.Push(ctx, odd))
				got := data(peek(b, 10))
				require.Len(t, got, 3)
				require.Equal(t, odd[0], got[0])
				require.Equal(t, odd[1], got[1])
				require.Empty(t, got[2])
			})

			t.Run("bad arguments are refused", func(t *testing.T) {
				b := buffers(t, 1000)[name]()
				_, err := b.Peek(ctx, 0)
				require.ErrorIs(t, err, counters.ErrInvalid)
				require.ErrorIs(t, b.Ack(ctx, counters.Entry{ID: "nope"}), counters.ErrInvalid)
			})

			t.Run("over its cap the oldest items go", func(t *testing.T) {
				const capacity = 100
				b := buffers(t, capacity)[name]()
				for i := range 10 {
					require.NoError(t, b.Push(ctx, items(i*100, 100)))
				}
				n := length(b)
				require.GreaterOrEqual(t, n, int64(capacity))
				require.LessOrEqual(t, n, int64(2*capacity), "Redis trims approximately, by whole nodes")
				got := data(peek(b, 1000))
				require.Equal(t, items(1000-int(n), int(n)), got, "the newest are kept, in order")
			})

			t.Run("pushes from many goroutines on two instances reach one flusher once each, in each pusher's order", func(t *testing.T) {
				instance := buffers(t, 100_000)[name]
				one, two := instance(), instance()
				const pushers, batches, size = 4, 50, 5
				var wg sync.WaitGroup
				for p := range pushers {
					b := []counters.Buffer{one, two}[p%2]
					wg.Go(func() {
						for i := range batches {
							batch := make([][]byte, size)
							for j := range batch {
								batch[j] = fmt.Appendf(nil, "%d/%d", p, i*size+j)
							}
							if err := b.Push(ctx, batch); err != nil {
								t.Error(err)
								return
							}
						}
					})
				}
				done := make(chan struct{})
				go func() { wg.Wait(); close(done) }()
				seen := map[string]int{}
				last := make([]int, pushers)
				for i := range last {
					last[i] = -1
				}
				flush := func() int {
					es := peek(two, 37)
					for _, e := range es {
						seen[string(e.Data)]++
						var p, n int
						_, err := fmt.Sscanf(string(e.Data), "%d/%d", &p, &n)
						require.NoError(t, err)
						require.Equal(t, last[p]+1, n, "pusher %d's items in order", p)
						last[p] = n
					}
					if len(es) > 0 {
						require.NoError(t, one.Ack(ctx, es[len(es)-1]))
					}
					return len(es)
				}
				for running := true; running; {
					select {
					case <-done:
						running = false
					default:
						flush()
					}
				}
				for flush() > 0 {
				}
				require.Len(t, seen, pushers*batches*size)
				for item, n := range seen {
					require.Equal(t, 1, n, item)
				}
			})
		})
	}
}
