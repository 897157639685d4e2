package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// An endpoint stays with the user who registered it first, and a user keeps
// at most the cap: a new subscription beyond it replaces their oldest.
func TestPushSubscriptionsBelongToOneUserAndAreCapped(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		owner, other := newUser(t, st, "owner@example.com", models.RoleFan), newUser(t, st, "other@example.com", models.RoleFan)
		sub := func(u *models.User, endpoint, key string) error {
			return st.SavePushSubscription(ctx, &models.PushSubscription{ID: models.NewID(), UserID: u.ID, Endpoint: endpoint,
				P256dh: key, Auth: "a", CreatedAt: time.Now()}, 3)
		}
		endpoints := func(u *models.User) map[string]string {
			subs, err := st.PushSubscriptions(ctx, u.ID)
			require.NoError(t, err)
			out := map[string]string{}
			for _, s := range subs {
				out[s.Endpoint] = s.P256dh
			}
			return out
		}
		require.NoError(t, sub(owner, "https://push.example/1", "k1"))
		require.ErrorIs(t, sub(other, "https://push.example/1", "evil"), store.ErrPushTaken)
		require.Equal(t, map[string]string{"https://push.example/1": "k1"}, endpoints(owner), "the row stays its owner's, keys unchanged")
		require.Empty(t, endpoints(other))

		require.NoError(t, sub(owner, "https://push.example/1", "k1b"), "its owner may renew the keys")
		require.Equal(t, "k1b", endpoints(owner)["https://push.example/1"])

		for i := 2; i <= 4; i++ {
			require.NoError(t, sub(owner, fmt.Sprintf("https://push.example/%d", i), "k"))
		}
		require.Equal(t, map[string]string{"https://push.example/2": "k", "https://push.example/3": "k", "https://push.example/4": "k"},
			endpoints(owner), "the fourth replaced the oldest")
	})
}
