package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type backstagePost struct {
	ID       string  `json:"id"`
	Body     string  `json:"body"`
	MediaURL *string `json:"media_url"`
}

// The artist's backstage posts reach superfans' sockets and the feed;
// supporters and others are kept out; bad posts write nothing.
func TestBackstageFeed(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(c *config.Config) { c.MessageRateLimit = 8 })) // the posts below
	app, artist := c.app, c.artist
	feed := "/api/artists/" + artist.User.ID + "/backstage/posts"
	room := realtime.BackstageRoom(artist.User.ID)
	superfan, supporter := c.member(t, "Sam", models.TierSuperfan), c.member(t, "Kai", models.TierSupporter)
	otherArtist := app.Register(t, "artist", "Rival")

	ws := app.Dial(t, superfan.AccessToken)
	require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
	require.Equal(t, "forbidden", testenv.ErrorCode(app.Dial(t, supporter.AccessToken).Request("join_room", room, nil)))

	var p backstagePost
	r := app.Do(t, http.MethodPost, feed, artist.AccessToken, map[string]any{"body": "<img src=x onerror=alert(1)>Soundcheck!", "media_url": "https://cdn.example.com/a.jpg"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &p)
	require.Equal(t, "Soundcheck!", p.Body)
	ev := ws.AwaitIn("backstage:post", room)["data"].(map[string]any)
	require.Equal(t, p.ID, ev["id"])
	require.Equal(t, "https://cdn.example.com/a.jpg", ev["media_url"])

	for _, bad := range []map[string]any{
		{"body": "x", "media_url": "http://cdn.example.com/a.jpg"},
		{"body": "x", "media_url": "javascript:alert(1)"},
		{"body": "x", "media_url": "https://user:pw@cdn.example.com/a.jpg"},
		{"body": "<p> </p>"},
		{},
	} {
		r := app.Do(t, http.MethodPost, feed, artist.AccessToken, bad)
		require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", bad, r.Body)
		require.Equal(t, "invalid", r.ErrorCode(t))
	}
	r = app.Do(t, http.MethodPost, feed, otherArtist.AccessToken, map[string]any{"body": "mine now"})
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, feed, superfan.AccessToken, map[string]any{"body": "me too"}).Status)
	require.Len(t, testenv.Rows[models.BackstagePost](t, app.Platform.Store, "id", "artist_id = ?", artist.User.ID), 1, "nothing else written")

	for _, body := range []string{"two", "three"} {
		require.Equal(t, http.StatusCreated, app.Do(t, http.MethodPost, feed, artist.AccessToken, map[string]any{"body": body}).Status)
	}
	var page struct {
		Items      []backstagePost
		NextCursor string `json:"next_cursor"`
	}
	app.Do(t, http.MethodGet, feed+"?limit=2", superfan.AccessToken, nil).Decode(t, &page)
	require.Equal(t, []string{"three", "two"}, []string{page.Items[0].Body, page.Items[1].Body}, "newest first")
	require.NotEmpty(t, page.NextCursor)
	app.Do(t, http.MethodGet, feed+"?limit=2&cursor="+page.NextCursor, superfan.AccessToken, nil).Decode(t, &page)
	require.Len(t, page.Items, 1)
	require.Equal(t, p.ID, page.Items[0].ID)
	require.Empty(t, page.NextCursor)
	require.Equal(t, http.StatusBadRequest, app.Do(t, http.MethodGet, feed+"?cursor=nope", superfan.AccessToken, nil).Status)

	r = app.Do(t, http.MethodGet, feed, supporter.AccessToken, nil)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	require.Equal(t, "forbidden", r.ErrorCode(t))

	r = app.Do(t, http.MethodPost, feed, artist.AccessToken, map[string]any{"body": "ninth in a minute"})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.Equal(t, "rate_limited", r.ErrorCode(t))
	require.Len(t, testenv.Rows[models.BackstagePost](t, app.Platform.Store, "id", "artist_id = ?", artist.User.ID), 3)
}
