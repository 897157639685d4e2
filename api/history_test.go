package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// Through the membership workflow and its activity on the dev server, a
// join, an upgrade and a cancel are three history rows, and a follow is
// one: what analytics counts from (docs/analytics.md).
func TestMembershipHistoryThroughTheWorkflow(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Ada", models.TierSupporter)
	path := "/api/artists/" + c.artist.User.ID + "/subscription"
	r := c.app.Do(t, http.MethodPatch, path, fan.AccessToken, map[string]any{"tier": "superfan"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = c.app.Do(t, http.MethodDelete, path, fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/artists/"+c.artist.User.ID+"/follow", fan.AccessToken, nil).Status)

	moves := func() []models.MembershipMove {
		var got []models.MembershipMove
		for _, e := range testenv.Rows[models.MembershipEvent](t, c.app.Platform.Store, "at", "fan_id = ?", mustUUID(t, fan.User.ID)) {
			got = append(got, e.Move)
		}
		return got
	}
	want := []models.MembershipMove{models.MoveJoined, models.MoveUpgraded, models.MoveCanceled}
	require.Eventually(t, func() bool { return len(moves()) == len(want) }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, want, moves())
	require.Len(t, testenv.Rows[models.FollowEvent](t, c.app.Platform.Store, "at", "user_id = ?", mustUUID(t, fan.User.ID)), 1)
}
