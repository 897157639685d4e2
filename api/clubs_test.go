package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The club lists the artist's content above the follower tier: whole for
// the callers models.CanAccess lets in, a locked teaser (no media) for the
// others. The club no longer takes a list of its own.
func TestExclusiveContentFollowsTheTier(t *testing.T) {
	c := newContentClub(t)
	path := "/api/artists/" + c.artist.User.ID
	const (
		demo    = "https://cdn.example/demo.mp3"
		session = "https://cdn.example/session.mp4"
	)
	c.create(t, map[string]any{"kind": "post", "title": "Public", "body": "for all"})
	c.create(t, map[string]any{"kind": "track", "title": "Demo", "duration_seconds": 120, "media_url": demo, "min_tier": "supporter"})
	c.create(t, map[string]any{"kind": "video", "title": "Session", "duration_seconds": 900, "media_url": session, "min_tier": "superfan"})

	r := c.app.Do(t, http.MethodPut, path+"/club", c.artist.AccessToken, map[string]any{
		"exclusive_content": []map[string]any{{"title": "Old way", "url": demo, "min_tier": "supporter"}},
	})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), `"field":"exclusive_content"`)
	require.Contains(t, string(r.Body), path+"/content")

	for name, urls := range map[string][2]string{ // Session, Demo (newest first); "" is locked
		"anonymous": {}, "follower": {},
		"supporter": {"", demo}, "superfan": {session, demo},
		"owner": {session, demo}, "admin": {session, demo},
	} {
		t.Run(name, func(t *testing.T) {
			r := c.app.Do(t, http.MethodGet, path+"/club", c.callers[name], nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var club struct {
				ExclusiveContent []contentItem `json:"exclusive_content"`
			}
			r.Decode(t, &club)
			require.Len(t, club.ExclusiveContent, 2, "no public items")
			for i, title := range []string{"Session", "Demo"} {
				got := club.ExclusiveContent[i]
				require.Equal(t, title, got.Title)
				require.Equal(t, urls[i] == "", got.Locked)
				if urls[i] == "" {
					require.Nil(t, got.Media, "no url in a teaser")
				} else {
					require.Equal(t, urls[i], got.Media.URL)
				}
			}
		})
	}
}
