package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type topFans struct {
	Period string `json:"period"`
	Items  []struct {
		UserID      string  `json:"user_id"`
		DisplayName string  `json:"display_name"`
		Score       float64 `json:"score"`
		Rank        int64   `json:"rank"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type myEngagement struct {
	Score      float64 `json:"score"`
	Rank       int64   `json:"rank"`
	Percentile float64 `json:"percentile"`
	Fans       int64   `json:"fans"`
	Breakdown  []struct {
		Action string  `json:"action"`
		Amount float64 `json:"amount"`
		Points float64 `json:"points"`
	} `json:"breakdown"`
}

// Acts through the api make the leaderboard: follows and DMs score by the
// default weights; a fan who hides themselves is off the public board
// but keeps their place, and their own standing (rank, percentile, each
// action's points adding up to the score) is theirs alone, whatever the
// query names; the artist's new weights reorder the board at once.
func TestLeaderboardsAndStandings(t *testing.T) {
	c := newClub(t)
	artist := c.artist.User.ID
	ada, bo, cy := c.member(t, "Ada", models.TierSuperfan), c.member(t, "Bo", ""), c.member(t, "Cy", models.TierSuperfan)
	for _, f := range []testenv.Session{ada, bo, cy} {
		require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/artists/"+artist+"/follow", f.AccessToken, nil).Status)
	}
	for f, n := range map[*testenv.Session]int{&ada: 2, &cy: 1} {
		_, conv := c.open(t, f.AccessToken, artist)
		for i := range n {
			require.Equal(t, http.StatusCreated, c.send(t, f.AccessToken, conv.ID, fmt.Sprintf("hello %d", i)).Status)
		}
	}
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPatch, "/api/me", cy.AccessToken, map[string]any{"leaderboard_hidden": true}).Status)

	board := func(query string) topFans {
		var b topFans
		r := c.app.Do(t, http.MethodGet, "/api/artists/"+artist+"/top-fans"+query, "", nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.Decode(t, &b)
		return b
	}
	b := board("")
	require.Equal(t, "all", b.Period)
	require.Len(t, b.Items, 2, "Cy hid themselves")
	require.Equal(t, ada.User.ID, b.Items[0].UserID)
	require.InDelta(t, 20, b.Items[0].Score, 0.01, "a follow (10) and two DMs (5 each)")
	require.Equal(t, int64(1), b.Items[0].Rank)
	require.Equal(t, bo.User.ID, b.Items[1].UserID)
	require.Equal(t, int64(3), b.Items[1].Rank, "Cy, hidden, is still above Bo")
	first := board("?period=week&limit=1")
	require.Len(t, first.Items, 1)
	require.NotEmpty(t, first.NextCursor)

	var mine myEngagement
	r := c.app.Do(t, http.MethodGet, "/api/artists/"+artist+"/me/engagement?user_id="+ada.User.ID, cy.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &mine)
	require.Equal(t, int64(2), mine.Rank, "the caller's own standing, not the fan the query names")
	require.Equal(t, int64(3), mine.Fans)
	require.InDelta(t, 200.0/3, mine.Percentile, 1e-9, "Cy and Bo of three are at or below Cy")
	var sum float64
	points := map[string]float64{}
	for _, p := range mine.Breakdown {
		sum += p.Points
		points[p.Action] = p.Points
	}
	require.InDelta(t, mine.Score, sum, 1e-9)
	require.InDelta(t, 10, points["follow"], 0.01)
	require.InDelta(t, 5, points["dm"], 0.01)
	require.Equal(t, http.StatusUnauthorized, c.app.Do(t, http.MethodGet, "/api/artists/"+artist+"/me/engagement", "", nil).Status)

	settings := "/api/artists/" + artist + "/engagement/settings"
	for body, field := range map[string]string{
		`{"weights":{"farming":5}}`: "weights.farming",
		`{"weights":{"dm":-1}}`:     "weights.dm",
		`{"weights":{"dm":1001}}`:   "weights.dm",
		`{"half_life_days":3}`:      "half_life_days",
		`{"half_life_days":400}`:    "half_life_days",
		`{"weight":{"dm":1}}`:       "weight",
	} {
		r := c.app.Do(t, http.MethodPut, settings, c.artist.AccessToken, []byte(body))
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		requireField(t, r, field)
	}
	var set struct {
		Weights      map[string]float64 `json:"weights"`
		HalfLifeDays int                `json:"half_life_days"`
	}
	c.app.Do(t, http.MethodGet, settings, c.artist.AccessToken, nil).Decode(t, &set)
	require.Equal(t, 30, set.HalfLifeDays, "nothing refused was written")
	require.Equal(t, 5.0, set.Weights["dm"])

	r = c.app.Do(t, http.MethodPut, settings, c.artist.AccessToken, map[string]any{"weights": map[string]float64{"dm": 0, "follow": 1}, "half_life_days": 14})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &set)
	require.Equal(t, 14, set.HalfLifeDays)
	require.Equal(t, 2.0, set.Weights["chat"], "weights left out keep theirs")
	b = board("?period=month")
	require.Len(t, b.Items, 2)
	require.Equal(t, []int64{1, 1}, []int64{b.Items[0].Rank, b.Items[1].Rank}, "with DMs at 0, every fan has one follow's points")
	require.InDelta(t, 1, b.Items[0].Score, 1e-9)
}
