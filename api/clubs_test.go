package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// A club's exclusive content is listed to everyone, with its url only for
// the callers models.CanAccess lets in.
func TestExclusiveContentURLsFollowTheTier(t *testing.T) {
	c := newClub(t)
	path := "/api/artists/" + c.artist.User.ID
	r := c.app.Do(t, http.MethodPut, path+"/club", c.artist.AccessToken, map[string]any{
		"exclusive_content": []map[string]any{
			{"title": "Demo", "url": "https://cdn.example/demo.mp3", "min_tier": "supporter"},
			{"title": "Session", "url": "https://cdn.example/session.mp4", "min_tier": "superfan"},
		},
	})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	follower := c.member(t, "Follower", "")
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, path+"/follow", follower.AccessToken, nil).Status)
	const (
		demo    = "https://cdn.example/demo.mp3"
		session = "https://cdn.example/session.mp4"
	)
	for _, tc := range []struct {
		name  string
		token string
		urls  [2]string // what each item shows; "" is locked
	}{
		{"anonymous", "", [2]string{}},
		{"follower", follower.AccessToken, [2]string{}},
		{"supporter", c.member(t, "Supporter", models.TierSupporter).AccessToken, [2]string{demo, ""}},
		{"superfan", c.member(t, "Superfan", models.TierSuperfan).AccessToken, [2]string{demo, session}},
		{"the artist", c.artist.AccessToken, [2]string{demo, session}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.app.Do(t, http.MethodGet, path+"/club", tc.token, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var club struct {
				ExclusiveContent []map[string]any `json:"exclusive_content"`
			}
			r.Decode(t, &club)
			require.Len(t, club.ExclusiveContent, 2)
			for i, want := range []map[string]any{
				{"title": "Demo", "min_tier": "supporter"},
				{"title": "Session", "min_tier": "superfan"},
			} {
				want["locked"] = tc.urls[i] == ""
				if tc.urls[i] != "" {
					want["url"] = tc.urls[i]
				}
				require.Equal(t, want, club.ExclusiveContent[i], "no url key at all when locked")
			}
		})
	}
}
