package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestRosterConformance(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T, ttl time.Duration) realtime.Roster{
		"memory": func(_ *testing.T, ttl time.Duration) realtime.Roster { return realtime.NewMemoryRoster(ttl) },
		"redis": func(t *testing.T, ttl time.Duration) realtime.Roster {
			rdb, prefix := testenv.Redis(t)
			return realtime.NewRedisRoster(rdb, prefix, ttl)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a := realtime.Member{Room: "stage:1", ConnID: "c1", UserID: "u1"}
			b := realtime.Member{Room: "stage:1", ConnID: "c2", UserID: "u2"}
			other := realtime.Member{Room: "lobby:1", ConnID: "c3", UserID: "u3"}

			t.Run("a removal is reported once", func(t *testing.T) {
				r := mk(t, time.Hour)
				require.NoError(t, r.Add(ctx, a))
				for _, want := range []bool{true, false} {
					removed, err := r.Remove(ctx, a)
					require.NoError(t, err)
					require.Equal(t, want, removed)
				}
			})

			t.Run("fresh members do not expire", func(t *testing.T) {
				r := mk(t, time.Hour)
				require.NoError(t, r.Add(ctx, a))
				require.NoError(t, r.Refresh(ctx, []realtime.Member{a}))
				gone, err := r.Expired(ctx, "stage", 10)
				require.NoError(t, err)
				require.Empty(t, gone)
			})

			t.Run("expired members are handed out once, by kind", func(t *testing.T) {
				r := mk(t, time.Millisecond)
				for _, m := range []realtime.Member{a, b, other} {
					require.NoError(t, r.Add(ctx, m))
				}
				removed, err := r.Remove(ctx, a)
				require.NoError(t, err)
				require.True(t, removed)
				var gone []realtime.Member
				require.Eventually(t, func() bool {
					got, err := r.Expired(ctx, "stage", 10)
					gone = append(gone, got...)
					return err == nil && len(gone) > 0
				}, 5*time.Second, 5*time.Millisecond)
				require.Equal(t, []realtime.Member{b}, gone, "a left already; lobby is another kind")

				removed, err = r.Remove(ctx, b)
				require.NoError(t, err)
				require.False(t, removed, "the sweep took it: its leave is not told twice")
				require.NoError(t, r.Refresh(ctx, []realtime.Member{b}))
				again, err := r.Expired(ctx, "stage", 10)
				require.NoError(t, err)
				require.Empty(t, again, "a refresh does not bring a removed member back")

				var lobby []realtime.Member // added last: it may expire a moment after b
				require.Eventually(t, func() bool {
					got, err := r.Expired(ctx, "lobby", 10)
					lobby = append(lobby, got...)
					return err == nil && len(lobby) > 0
				}, 5*time.Second, 5*time.Millisecond)
				require.Equal(t, []realtime.Member{other}, lobby)
			})
		})
	}
}
