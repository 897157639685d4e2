package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// clock is a settable clock shared by the instances of one test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// limiters are every implementation. Each returns a function making
// "instances": the Redis ones are separate clients on one prefix, as api
// instances are; memory lives in one process, so its instances are one.
func limiters(t *testing.T, c *clock) map[string]func() ratelimit.Limiter {
	return map[string]func() ratelimit.Limiter{
		"memory": func() func() ratelimit.Limiter {
			m := ratelimit.NewMemory(c.Now)
			return func() ratelimit.Limiter { return m }
		}(),
		"redis": func() func() ratelimit.Limiter {
			_, prefix := testenv.Redis(t) // cleans the prefix up
			return func() ratelimit.Limiter { return ratelimit.NewRedis(testenv.RedisClient(t), prefix, c.Now) }
		}(),
	}
}

// The limiter conformance suite: memory and Redis decide the same.
func TestLimiterConformance(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2030, 1, 1, 12, 0, 15, 0, time.UTC) // 15 s into a minute
	backoff := ratelimit.Backoff{After: 3, Base: time.Second, Max: 10 * time.Second}
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			c := &clock{now: start}
			instance := limiters(t, c)[name]
			l := instance()
			allow := func(key string, max int) ratelimit.Decision {
				d, err := l.Allow(ctx, key, max, time.Minute)
				require.NoError(t, err)
				return d
			}
			attempt := func(key string) ratelimit.Decision {
				d, err := l.Attempt(ctx, key, backoff)
				require.NoError(t, err)
				return d
			}

			t.Run("allows max a window, then says when the window ends", func(t *testing.T) {
				for range 3 {
					require.True(t, allow("w", 3).Allowed)
				}
				require.Equal(t, ratelimit.Decision{RetryAfter: 45 * time.Second}, allow("w", 3))
				require.True(t, allow("other", 3).Allowed, "keys are separate")
				c.Add(45 * time.Second)
				require.True(t, allow("w", 3).Allowed, "a new window starts afresh")
			})

			t.Run("backs off exponentially after failures, up to the cap", func(t *testing.T) {
				for range 3 {
					require.True(t, attempt("b").Allowed)
				}
				for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
					require.Equal(t, ratelimit.Decision{RetryAfter: wait}, attempt("b"))
					c.Add(wait / 2)
					require.Equal(t, ratelimit.Decision{RetryAfter: wait / 2}, attempt("b"), "a refused attempt does not extend the wait")
					c.Add(wait / 2)
					require.True(t, attempt("b").Allowed)
				}
				require.True(t, attempt("b2").Allowed, "keys are separate")
			})

			t.Run("reset forgets the failures", func(t *testing.T) {
				require.False(t, attempt("b").Allowed)
				require.NoError(t, l.Reset(ctx, "b"))
				for range 3 {
					require.True(t, attempt("b").Allowed)
				}
				require.False(t, attempt("b").Allowed)
			})

			t.Run("failures are forgotten after a quiet Max", func(t *testing.T) {
				require.False(t, attempt("b").Allowed)
				c.Add(time.Second + backoff.Max) // the wait, then Max without attempts
				for range 3 {
					require.True(t, attempt("b").Allowed)
				}
			})

			t.Run("concurrent requests on several instances: exactly max pass", func(t *testing.T) {
				const max, extra, clients = 50, 30, 8
				var allowed, admitted atomic.Int32
				var errs = make(chan error, clients)
				var wg sync.WaitGroup
				for i := range clients {
					inst := instance()
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := i; j < max+extra; j += clients {
							d, err := inst.Allow(ctx, "burst", max, time.Minute)
							if err == nil && d.Allowed {
								allowed.Add(1)
							}
							a, aerr := inst.Attempt(ctx, "burst", ratelimit.Backoff{After: 1, Base: time.Minute, Max: time.Hour})
							if aerr == nil && a.Allowed {
								admitted.Add(1)
							}
							if err := errors.Join(err, aerr); err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				require.EqualValues(t, max, allowed.Load())
				require.EqualValues(t, 1, admitted.Load(), "one attempt, then everyone waits")
			})
		})
	}
}

func TestBackoffWait(t *testing.T) {
	b := ratelimit.Backoff{After: 5, Base: time.Second, Max: 15 * time.Minute}
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 7: 4 * time.Second, 14: 512 * time.Second, 15: 15 * time.Minute, 1000: 15 * time.Minute} {
		require.Equal(t, want, b.Wait(n), "after %d failures", n)
	}
}
