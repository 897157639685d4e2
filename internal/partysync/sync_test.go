package partysync_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/partysync"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// Both caches keep only a newer version, per party, also when many offer
// at once: exactly one offer of each version wins.
func TestCacheKeepsTheNewest(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	for name, cache := range map[string]partysync.Cache{
		"memory": partysync.NewCache(nil, ""),
		"redis":  partysync.NewCache(rdb, prefix),
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			party, other := uuid.New(), uuid.New()
			_, ok, err := cache.Latest(ctx, party)
			require.NoError(t, err)
			require.False(t, ok, "nothing kept yet")

			v2 := models.PartyPlayback{TrackIndex: 1, PositionMs: 5000, Playing: true, Rate: 1, Version: 2, ServerMs: 1700000000000}
			for _, c := range []struct {
				pb    models.PartyPlayback
				newer bool
			}{{v2, true}, {models.PartyPlayback{Version: 2}, false}, {models.PartyPlayback{Version: 1}, false}} {
				newer, err := cache.Offer(ctx, party, c.pb)
				require.NoError(t, err)
				require.Equal(t, c.newer, newer, "version %d", c.pb.Version)
			}
			got, ok, err := cache.Latest(ctx, party)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, v2, got)
			_, ok, err = cache.Latest(ctx, other)
			require.NoError(t, err)
			require.False(t, ok, "parties are kept apart")

			var wg sync.WaitGroup
			wins := make(chan int64, 100)
			for i := range 100 {
				wg.Go(func() {
					pb := models.PartyPlayback{Version: 3 + int64(i%10)}
					newer, err := cache.Offer(ctx, other, pb)
					if err == nil && newer {
						wins <- pb.Version
					}
				})
			}
			wg.Wait()
			close(wins)
			seen := map[int64]int{}
			for v := range wins {
				seen[v]++
			}
			for v, n := range seen {
				require.Equal(t, 1, n, "version %d published once", v)
			}
			require.Contains(t, seen, int64(12), "the highest version always wins")
			got, _, err = cache.Latest(ctx, other)
			require.NoError(t, err)
			require.Equal(t, int64(12), got.Version)
		})
	}
}
