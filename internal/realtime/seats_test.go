package realtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// seatImpls are every Seats; the Redis one's two values share a prefix, as
// two api instances would.
func seatImpls(t *testing.T) map[string][2]realtime.Seats {
	rdb, prefix := testenv.Redis(t)
	mem := realtime.NewMemorySeats()
	return map[string][2]realtime.Seats{
		"memory": {mem, mem},
		"redis":  {realtime.NewRedisSeats(rdb, prefix), realtime.NewRedisSeats(rdb, prefix)},
	}
}

// The seats conformance suite: memory and Redis behave the same.
func TestSeatsConformance(t *testing.T) {
	for name, impl := range seatImpls(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			one, two := impl[0], impl[1]
			member := func(room, user, conn string) realtime.Member {
				return realtime.Member{Room: room, UserID: user, ConnID: conn}
			}
			count := func(room string) int {
				n, err := two.Count(ctx, room)
				require.NoError(t, err)
				return n
			}

			t.Run("one seat per user, freed by their last socket", func(t *testing.T) {
				const room = "party:per-user"
				first, err := one.Take(ctx, member(room, "u1", "c1"), 1)
				require.NoError(t, err)
				require.True(t, first)
				first, err = two.Take(ctx, member(room, "u1", "c2"), 1)
				require.NoError(t, err, "a second tab of a seated user takes no seat, even when full")
				require.False(t, first)
				_, err = two.Take(ctx, member(room, "u2", "c3"), 1)
				require.ErrorIs(t, err, realtime.ErrFull)
				require.Equal(t, 1, count(room))

				last, err := one.Release(ctx, member(room, "u1", "c1"))
				require.NoError(t, err)
				require.False(t, last, "the user's other socket keeps the seat")
				_, err = one.Take(ctx, member(room, "u2", "c3"), 1)
				require.ErrorIs(t, err, realtime.ErrFull)

				last, err = two.Release(ctx, member(room, "u1", "c2"))
				require.NoError(t, err)
				require.True(t, last)
				require.Equal(t, 0, count(room))
				first, err = one.Take(ctx, member(room, "u2", "c3"), 1)
				require.NoError(t, err)
				require.True(t, first)
			})

			t.Run("releasing what was never taken, or twice, is nothing", func(t *testing.T) {
				const room = "party:release"
				last, err := one.Release(ctx, member(room, "u1", "c1"))
				require.NoError(t, err)
				require.False(t, last)
				_, err = one.Take(ctx, member(room, "u1", "c1"), 5)
				require.NoError(t, err)
				last, err = two.Release(ctx, member(room, "u1", "other"))
				require.NoError(t, err)
				require.False(t, last, "a socket the user never seated")
				require.Equal(t, 1, count(room))
				last, _ = one.Release(ctx, member(room, "u1", "c1"))
				require.True(t, last)
				last, _ = one.Release(ctx, member(room, "u1", "c1"))
				require.False(t, last)
			})

			t.Run("uncounted users get in when full and take no counted seat", func(t *testing.T) {
				const room = "party:hosts"
				_, err := one.Take(ctx, member(room, "fan", "c1"), 1)
				require.NoError(t, err)
				first, err := two.Take(ctx, member(room, "host", "c2"), -1)
				require.NoError(t, err)
				require.True(t, first)
				require.Equal(t, 2, count(room))
				_, err = one.Release(ctx, member(room, "fan", "c1"))
				require.NoError(t, err)
				_, err = one.Take(ctx, member(room, "fan2", "c3"), 1)
				require.NoError(t, err, "the host does not hold the one counted seat")
			})

			t.Run("rooms are apart", func(t *testing.T) {
				_, err := one.Take(ctx, member("party:x", "u1", "c1"), 1)
				require.NoError(t, err)
				_, err = one.Take(ctx, member("party:y", "u2", "c2"), 1)
				require.NoError(t, err)
				require.Equal(t, 1, count("party:x"))
				require.Equal(t, 1, count("party:y"))
			})

			t.Run("concurrent takes on two instances never pass the limit", func(t *testing.T) {
				const room, limit, users = "party:storm", 50, 80
				var mu sync.Mutex
				seated, full := 0, 0
				var wg sync.WaitGroup
				for i := range users {
					s := []realtime.Seats{one, two}[i%2]
					wg.Go(func() {
						_, err := s.Take(ctx, member(room, fmt.Sprint("u", i), fmt.Sprint("c", i)), limit)
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							seated++
						case err == realtime.ErrFull:
							full++
						default:
							t.Error(err)
						}
					})
				}
				wg.Wait()
				require.Equal(t, limit, seated)
				require.Equal(t, users-limit, full)
				require.Equal(t, limit, count(room))
			})
		})
	}
}
