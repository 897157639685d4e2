package counters_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// impls are every implementation. Each returns a function making
// "instances": the Redis ones are separate clients on one prefix, as api
// instances are; memory lives in one process, so its instances are one.
func impls(t testing.TB) map[string]func() counters.Counters {
	return map[string]func() counters.Counters{
		"memory": func() func() counters.Counters {
			m := counters.NewMemory(nil)
			return func() counters.Counters { return m }
		}(),
		"redis": func() func() counters.Counters {
			_, prefix := testenv.Redis(t) // cleans the prefix up
			return func() counters.Counters { return counters.NewRedis(testenv.RedisClient(t), prefix) }
		}(),
	}
}

// The counters conformance suite: memory and Redis answer the same.
func TestCountersConformance(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			instance := impls(t)[name]
			one, two := instance(), instance()
			credit := func(c counters.Counters, user string, at time.Duration, seconds int64) int64 {
				t.Helper()
				n, err := c.Credit(ctx, user, t0.Add(at), seconds)
				require.NoError(t, err)
				return n
			}
			seen := func(c counters.Counters, user string, ttl time.Duration, ids ...string) []bool {
				t.Helper()
				got, err := c.FirstSeen(ctx, user, ids, ttl)
				require.NoError(t, err)
				return got
			}
			take := func(c counters.Counters, artist string) map[string]int64 {
				t.Helper()
				got, err := c.Take(ctx, artist)
				require.NoError(t, err)
				return got
			}
			active := func(c counters.Counters) []string {
				t.Helper()
				got, err := c.Active(ctx)
				require.NoError(t, err)
				return got
			}

			t.Run("credit: two sessions reporting 60 s a minute get 60 s a minute together", func(t *testing.T) {
				// Session A reports at 60 s, 120 s, …; session B on another
				// instance 20 s later each minute. Together they cover
				// [0 s, 620 s] of wall time, and that is all they get.
				var total int64
				for m := 1; m <= 10; m++ {
					a := credit(one, "fan:two-sessions", time.Duration(m)*time.Minute, 60)
					b := credit(two, "fan:two-sessions", time.Duration(m)*time.Minute+20*time.Second, 60)
					if m > 1 {
						require.Equal(t, int64(60), a+b, "minute %d", m)
					}
					total += a + b
				}
				require.Equal(t, int64(620), total)
			})

			t.Run("credit: overlapping, out-of-order and zero claims", func(t *testing.T) {
				const user = "fan:order"
				for _, step := range []struct {
					at      time.Duration
					seconds int64
					want    int64
					why     string
				}{
					{60 * time.Second, 60, 60, "a first claim: all of it"},
					{90 * time.Second, 60, 30, "overlaps the first by 30 s"},
					{70 * time.Second, 30, 0, "ends before the watermark: nothing"},
					{90 * time.Second, 60, 0, "the same report again: nothing"},
					{100 * time.Second, 5, 5, "after the watermark: all of it"},
					{200 * time.Second, 10, 10, "a gap is not credited to a claim that does not cover it"},
					{300 * time.Second, 0, 0, "zero seconds: nothing"},
					{300 * time.Second, 50, 50, "the zero claim did not move the watermark"},
					{400*time.Second + 900*time.Millisecond, 1000, 100, "a claim longer than the time since the watermark, at in whole seconds"},
					{400 * time.Second, 1, 0, "the fraction of a second truncated away"},
				} {
					require.Equal(t, step.want, credit([]counters.Counters{one, two}[step.at/time.Second%2], user, step.at, step.seconds), step.why)
				}
				require.Equal(t, int64(30), credit(one, "fan:other", 90*time.Second, 30), "users are apart")
			})

			t.Run("credit: negative seconds are refused and change nothing", func(t *testing.T) {
				_, err := one.Credit(ctx, "fan:negative", t0.Add(time.Minute), -5)
				require.ErrorIs(t, err, counters.ErrInvalid)
				require.Equal(t, int64(10), credit(two, "fan:negative", 10*time.Second, 10))
			})

			t.Run("credit: the same claim from many goroutines on two instances credits once", func(t *testing.T) {
				const claims = 40
				var mu sync.Mutex
				var total int64
				var wg sync.WaitGroup
				for i := range claims {
					c := []counters.Counters{one, two}[i%2]
					wg.Go(func() {
						n, err := c.Credit(ctx, "fan:storm", t0.Add(time.Hour), 60)
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							t.Error(err)
						}
						total += n
					})
				}
				wg.Wait()
				require.Equal(t, int64(60), total)
			})

			t.Run("credit: concurrent sessions never get more than the wall clock", func(t *testing.T) {
				// Four sessions each claim every 15 s of an hour, in any
				// order on two instances: at most the hour's 3600 s.
				var mu sync.Mutex
				var total int64
				var wg sync.WaitGroup
				for s := range 4 {
					wg.Go(func() {
						c := []counters.Counters{one, two}[s%2]
						for at := 15 * time.Second; at <= time.Hour; at += 15 * time.Second {
							n, err := c.Credit(ctx, "fan:sessions", t0.Add(at+time.Duration(s)*time.Second), 15)
							mu.Lock()
							if err != nil {
								t.Error(err)
							}
							total += n
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				require.LessOrEqual(t, total, int64(3600+3), "the last session's 3 s offset is wall time too")
				require.Greater(t, total, int64(0))
			})

			t.Run("first seen: duplicates inside a batch and across batches and instances", func(t *testing.T) {
				require.Equal(t, []bool{true, true, false, true, false}, seen(one, "fan:ids", time.Hour, "a", "b", "a", "c", "b"))
				require.Equal(t, []bool{false, true, false}, seen(two, "fan:ids", time.Hour, "c", "d", "a"), "another instance knows them")
				require.Equal(t, []bool{true}, seen(two, "fan:other-ids", time.Hour, "a"), "users are apart")
				require.Equal(t, []bool{}, seen(one, "fan:ids", time.Hour), "an empty batch")
			})

			t.Run("first seen: a full batch, and bad ones refused", func(t *testing.T) {
				ids := make([]string, counters.MaxBatch)
				for i := range ids {
					ids[i] = fmt.Sprint("full-", i)
				}
				got := seen(one, "fan:full", time.Hour, ids...)
				require.Len(t, got, counters.MaxBatch)
				require.NotContains(t, got, false)
				require.NotContains(t, seen(two, "fan:full", time.Hour, ids...), true)

				_, err := one.FirstSeen(ctx, "fan:full", append(ids, "one-more"), time.Hour)
				require.ErrorIs(t, err, counters.ErrInvalid)
				_, err = one.FirstSeen(ctx, "fan:full", []string{"x"}, 0)
				require.ErrorIs(t, err, counters.ErrInvalid)
				require.Equal(t, []bool{true}, seen(one, "fan:full", time.Hour, "x"), "a refused batch marks nothing")
			})

			t.Run("first seen: concurrent batches on two instances see each id new once", func(t *testing.T) {
				const batches, ids = 16, 200
				news := make([]int, ids)
				var mu sync.Mutex
				var wg sync.WaitGroup
				for b := range batches {
					c := []counters.Counters{one, two}[b%2]
					wg.Go(func() {
						batch := make([]string, ids)
						for i := range batch {
							batch[i] = fmt.Sprint("id-", (i+b*7)%ids) // every batch has every id, in its own order
						}
						got, err := c.FirstSeen(ctx, "fan:race", batch, time.Hour)
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							t.Error(err)
							return
						}
						for i, isNew := range got {
							if isNew {
								news[(i+b*7)%ids]++
							}
						}
					})
				}
				wg.Wait()
				for i, n := range news {
					require.Equal(t, 1, n, "id-%d", i)
				}
			})

			t.Run("first seen: an id is new again once its ttl has passed", func(t *testing.T) {
				const ttl = time.Second
				require.Equal(t, []bool{true, true}, seen(one, "fan:ttl", ttl, "short", "long"))
				require.Equal(t, []bool{true}, seen(one, "fan:ttl", time.Hour, "kept"))
				require.Equal(t, []bool{false}, seen(two, "fan:ttl", ttl, "short"))
				start := time.Now()
				require.Eventually(t, func() bool { return seen(two, "fan:ttl", ttl, "short")[0] }, 5*time.Second, 50*time.Millisecond)
				require.GreaterOrEqual(t, time.Since(start), ttl/2, "not forgotten before its ttl")
				require.Equal(t, []bool{false, true, false}, seen(one, "fan:ttl", ttl, "short", "long", "kept"), "seen again: kept for a new ttl")
			})

			t.Run("live counts: take returns what was added and resets it", func(t *testing.T) {
				require.NoError(t, one.Add(ctx, "artist:a", map[string]int64{"plays": 3, "reactions": 1}))
				require.NoError(t, two.Add(ctx, "artist:a", map[string]int64{"plays": 2, "new_followers": 1, "zero": 0}))
				require.NoError(t, two.Add(ctx, "artist:b", map[string]int64{"new_members": 1}))
				require.NoError(t, one.Add(ctx, "artist:nothing", map[string]int64{"plays": 0}))
				require.NoError(t, one.Add(ctx, "artist:nothing", nil))
				require.Equal(t, []string{"artist:a", "artist:b"}, active(two), "zero counts list nobody")

				require.Equal(t, map[string]int64{"plays": 5, "reactions": 1, "new_followers": 1}, take(two, "artist:a"))
				require.Equal(t, map[string]int64{}, take(one, "artist:a"), "taken once")
				require.Equal(t, []string{"artist:b"}, active(one))
				require.Equal(t, map[string]int64{"new_members": 1}, take(one, "artist:b"))
				require.Equal(t, []string{}, active(two))
				require.Equal(t, map[string]int64{}, take(one, "artist:never"))

				require.NoError(t, one.Add(ctx, "artist:a", map[string]int64{"plays": 1 << 40, "undo": 1}))
				require.NoError(t, two.Add(ctx, "artist:a", map[string]int64{"undo": -1}))
				require.Equal(t, map[string]int64{"plays": 1 << 40}, take(two, "artist:a"), "large counts exact; a counter summing to zero left out")
			})

			t.Run("live counts: adds and takes from many goroutines on two instances lose and double nothing", func(t *testing.T) {
				const adders, adds = 8, 300
				artists := []string{"artist:x", "artist:y", "artist:z"}
				var mu sync.Mutex
				added := map[string]map[string]int64{}
				taken := map[string]map[string]int64{}
				sum := func(into map[string]map[string]int64, artist string, counts map[string]int64) {
					mu.Lock()
					defer mu.Unlock()
					if into[artist] == nil {
						into[artist] = map[string]int64{}
					}
					for k, n := range counts {
						into[artist][k] += n
					}
				}
				// takeAll takes every artist listed active; it answers how
				// many takes found something.
				takeAll := func(c counters.Counters) (found int) {
					list, err := c.Active(ctx)
					if err != nil {
						t.Error(err)
						return 0
					}
					for _, artist := range list {
						got, err := c.Take(ctx, artist)
						if err != nil {
							t.Error(err)
							return found
						}
						sum(taken, artist, got)
						if len(got) > 0 {
							found++
						}
					}
					return found
				}

				var adding, taking sync.WaitGroup
				var midway atomic.Int64 // takes that found something while adds went on
				done := make(chan struct{})
				for i := range 2 {
					c := []counters.Counters{one, two}[i]
					taking.Go(func() {
						for {
							select {
							case <-done:
								return
							default:
								midway.Add(int64(takeAll(c)))
							}
						}
					})
				}
				for a := range adders {
					c := []counters.Counters{one, two}[a%2]
					adding.Go(func() {
						for i := range adds {
							artist := artists[(a+i)%len(artists)]
							counts := map[string]int64{"plays": int64(i%5 + 1), "reactions": int64(a + 1)}
							if err := c.Add(ctx, artist, counts); err != nil {
								t.Error(err)
								return
							}
							sum(added, artist, counts)
						}
					})
				}
				adding.Wait()
				close(done)
				taking.Wait()
				takeAll(one) // what the takers had not reached yet
				require.Equal(t, []string{}, active(two))
				require.Equal(t, added, taken)
				require.Len(t, added, len(artists))
				require.Positive(t, midway.Load(), "the takers took while adds went on")
			})
		})
	}
}
