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

// The cohorts route, as JSON or as CSV for a spreadsheet: the artist's own
// (a fan or another artist is told it does not exist), bad months and
// ranges refused naming the field.
func TestCohortsRoute(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Ada", models.TierSupporter)
	path := "/api/artists/" + c.artist.User.ID + "/analytics/cohorts"
	var got struct {
		Cohorts []struct {
			Month           string    `json:"month"`
			Size            int       `json:"size"`
			MemberRetention []float64 `json:"member_retention"`
		} `json:"cohorts"`
	}
	month := time.Now().UTC().Format("2006-01")
	r := c.app.Do(t, http.MethodGet, path+"?from="+month+"&to="+month, c.artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &got)
	require.Len(t, got.Cohorts, 1)
	require.Equal(t, 1, got.Cohorts[0].Size)
	require.Equal(t, []float64{100}, got.Cohorts[0].MemberRetention)

	req, err := http.NewRequest(http.MethodGet, c.app.URL+path+"?from="+month+"&to="+month, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.artist.AccessToken)
	req.Header.Set("Accept", "text/csv")
	csv := c.app.Send(t, req)
	require.Equal(t, http.StatusOK, csv.Status, string(csv.Body))
	require.Equal(t, "cohort,size,month_after,members,member_retention_pct,mrr_cents,revenue_retention_pct\n"+month+",1,0,1,100.00,500,100.00\n", string(csv.Body))
	require.Equal(t, "text/csv; charset=utf-8", csv.Header.Get("Content-Type"))
	require.Regexp(t, `^attachment; filename="cohorts-[a-z0-9-]+-`+month+`-`+month+`\.csv"$`, csv.Header.Get("Content-Disposition"))

	require.Equal(t, http.StatusNotFound, c.app.Do(t, http.MethodGet, path, fan.AccessToken, nil).Status)
	for query, field := range map[string]string{"?from=2026-13": "from", "?to=26-1": "to", "?from=2026-06&to=2026-01": "to", "?from=2024-01&to=2026-01": "to"} {
		requireField(t, c.app.Do(t, http.MethodGet, path+query, c.artist.AccessToken, nil), field)
	}
}
