package api_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

type shareItem struct {
	URL       string `json:"url"`
	OpenGraph struct {
		Title, Description, Type, URL, Image string
		TwitterCard                          string `json:"twitter_card"`
	} `json:"open_graph"`
	TwitterIntentURL string `json:"twitter_intent_url"`
	YouTubeEmbeds    []struct {
		TrackIndex int    `json:"track_index"`
		VideoID    string `json:"video_id"`
		EmbedURL   string `json:"embed_url"`
	} `json:"youtube_embeds"`
}

// meta is the content of the page's <meta property|name="key">, unescaped.
func meta(t *testing.T, page, key string) (string, bool) {
	t.Helper()
	for _, attr := range []string{`property="` + key + `"`, `name="` + key + `"`} {
		if _, rest, ok := strings.Cut(page, `<meta `+attr+` content="`); ok {
			v, _, _ := strings.Cut(rest, `"`)
			return html.UnescapeString(v), true
		}
	}
	return "", false
}

// The share page: Open Graph and Twitter tags with the party's title
// escaped (a <script> in it stays text), a link into the app, cached
// briefly; the party view's YouTube tracks carry their players.
func TestSharePageHasEscapedOpenGraphTags(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	title := `<script>alert(1)</script> "Night" & co`
	p := createParty(t, app, artist.AccessToken, map[string]any{"title": title, "description": "B-sides & rarities",
		"playlist": []any{video("dQw4w9WgXcQ", 200000), map[string]any{"kind": "youtube", "video_id": "9bZkp7q19f0", "duration_ms": 250000}}})

	r := app.Do(t, http.MethodGet, "/p/"+p.ID, "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
	require.Equal(t, "public, max-age=60", r.Header.Get("Cache-Control"))
	require.Contains(t, r.Header.Get("Content-Security-Policy"), "default-src 'none'")
	page := string(r.Body)
	require.NotContains(t, page, "<script>", "the title is escaped")
	require.NotContains(t, page, `"Night"`)
	want := map[string]string{
		"og:title": title, "og:type": "website", "og:url": app.Platform.Config.PublicURL + "/p/" + p.ID,
		"og:image": "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg", "twitter:card": "summary_large_image", "twitter:title": title,
	}
	for key, v := range want {
		got, ok := meta(t, page, key)
		require.True(t, ok, "%s in %s", key, page)
		require.Equal(t, v, got, key)
	}
	desc, _ := meta(t, page, "og:description")
	require.Contains(t, desc, "A listening party by Nova")
	require.Contains(t, desc, "B-sides & rarities")
	require.Contains(t, page, `href="`+app.Platform.Config.AppURL+"/parties/"+p.ID+`"`)

	var view struct {
		Playlist []struct {
			VideoID  string `json:"video_id"`
			EmbedURL string `json:"embed_url"`
		} `json:"playlist"`
	}
	app.Do(t, http.MethodGet, "/api/parties/"+p.ID, "", nil).Decode(t, &view)
	require.Len(t, view.Playlist, 2)
	require.Equal(t, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", view.Playlist[0].EmbedURL)
	require.Equal(t, "https://www.youtube-nocookie.com/embed/9bZkp7q19f0", view.Playlist[1].EmbedURL)
}

// A private party's page is 404, the same as a party that does not exist,
// without its code or with a wrong one; with it, the page is private
// (not cached, not indexed) and its links keep the code.
func TestPrivateSharePageNeedsItsCode(t *testing.T) {
	c := newClub(t)
	app := c.app
	p := createParty(t, app, c.artist.AccessToken, map[string]any{"title": "Secret set", "public": false})
	require.NotEmpty(t, p.InviteCode)

	missing := app.Do(t, http.MethodGet, "/p/"+models.NewID().String(), "", nil)
	require.Equal(t, http.StatusNotFound, missing.Status)
	for _, q := range []string{"", "?code=wrong", "?code=" + p.InviteCode[:len(p.InviteCode)-1], "?code=" + strings.Repeat("x", 100)} {
		r := app.Do(t, http.MethodGet, "/p/"+p.ID+q, "", nil)
		require.Equal(t, http.StatusNotFound, r.Status, q)
		require.Equal(t, missing.Body, r.Body, "no difference from a party that does not exist")
		require.NotContains(t, string(r.Body), "Secret set")
	}
	r := app.Do(t, http.MethodGet, "/p/"+p.ID, c.artist.AccessToken, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "the page is every visitor's: a session does not open it")

	r = app.Do(t, http.MethodGet, "/p/"+p.ID+"?code="+url.QueryEscape(p.InviteCode), "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "private, no-store", r.Header.Get("Cache-Control"))
	require.Equal(t, "noindex", r.Header.Get("X-Robots-Tag"))
	require.Equal(t, "no-referrer", r.Header.Get("Referrer-Policy"))
	page := string(r.Body)
	ogURL, _ := meta(t, page, "og:url")
	require.Equal(t, app.Platform.Config.PublicURL+"/p/"+p.ID+"?code="+url.QueryEscape(p.InviteCode), ogURL)
	title, _ := meta(t, page, "og:title")
	require.Equal(t, "Secret set", title)

	t.Run("share JSON", func(t *testing.T) {
		fan := c.member(t, "Fan", "")
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/share", fan.AccessToken, nil).Status)
		var s shareItem
		app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/share", c.artist.AccessToken, nil).Decode(t, &s)
		require.Equal(t, ogURL, s.URL, "the page's own link")
		require.Contains(t, s.URL, "?code=", "its host gets the link that opens it")
	})
}

// A party above the follower tier is shared as a teaser: title, artist,
// time and the tier it needs, but no description, no thumbnail and no
// players to who may not open it.
func TestTierLockedPartyIsSharedAsATeaser(t *testing.T) {
	c := newClub(t)
	app := c.app
	p := createParty(t, app, c.artist.AccessToken, map[string]any{"title": "Superfans only", "description": "the unreleased album", "min_tier": "superfan"})
	r := app.Do(t, http.MethodGet, "/p/"+p.ID, "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	page := string(r.Body)
	require.NotContains(t, page, "unreleased album")
	require.NotContains(t, page, "dQw4w9WgXcQ")
	desc, _ := meta(t, page, "og:description")
	require.Contains(t, desc, "for superfan members")
	_, hasImage := meta(t, page, "og:image")
	require.False(t, hasImage, "no image is better than the locked playlist's")
	card, _ := meta(t, page, "twitter:card")
	require.Equal(t, "summary", card)

	var s shareItem
	app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/share", c.member(t, "Supporter", models.TierSupporter).AccessToken, nil).Decode(t, &s)
	require.Empty(t, s.YouTubeEmbeds, "no players for a supporter")
	s = shareItem{}
	app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/share", c.member(t, "Superfan", models.TierSuperfan).AccessToken, nil).Decode(t, &s)
	require.Len(t, s.YouTubeEmbeds, 1)
	require.Equal(t, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", s.YouTubeEmbeds[0].EmbedURL)
}

// The share JSON: the page's URL and tags, and a Twitter/X intent whose
// text and url survive &, # and spaces.
func TestShareJSONHasAnEncodedTwitterIntent(t *testing.T) {
	c := newClub(t)
	app := c.app
	p := createParty(t, app, c.artist.AccessToken, map[string]any{"title": "Rock & roll #1 night?"})
	var s shareItem
	r := app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/share", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &s)
	page := app.Platform.Config.PublicURL + "/p/" + p.ID
	require.Equal(t, page, s.URL)
	require.Equal(t, page, s.OpenGraph.URL)
	require.Equal(t, "Rock & roll #1 night?", s.OpenGraph.Title)
	require.Equal(t, "website", s.OpenGraph.Type)

	u, err := url.Parse(s.TwitterIntentURL)
	require.NoError(t, err)
	require.Equal(t, "https://twitter.com/intent/tweet", u.Scheme+"://"+u.Host+u.Path)
	require.NotContains(t, u.RawQuery, " ")
	require.NotContains(t, u.RawQuery, "#")
	q, err := url.ParseQuery(u.RawQuery)
	require.NoError(t, err)
	require.Equal(t, url.Values{"text": {"Rock & roll #1 night? — a listening party by Nova"}, "url": {page}}, q)
	require.Equal(t, []string{"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"}, []string{s.YouTubeEmbeds[0].EmbedURL})
}
