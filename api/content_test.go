package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type contentItem struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	Title           string     `json:"title"`
	Body            string     `json:"body"`
	DurationSeconds int        `json:"duration_seconds"`
	MinTier         string     `json:"min_tier"`
	PublicAt        *time.Time `json:"public_at"`
	Locked          bool       `json:"locked"`
	AvailableAt     *time.Time `json:"available_at"`
	Media           *struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	} `json:"media"`
}

type lockedError struct {
	Error struct {
		Code         string     `json:"code"`
		RequiredTier string     `json:"required_tier"`
		AvailableAt  *time.Time `json:"available_at"`
	} `json:"error"`
}

// contentUpload is the multipart upload of an item's media to path.
func contentUpload(t *testing.T, app *testenv.App, token, path string, data []byte) *http.Request {
	req := app.UploadRequest(t, token, "song.mp3", data)
	u, err := url.Parse(app.URL + path)
	require.NoError(t, err)
	req.URL = u
	return req
}

// contentClub is a club with callers of every kind.
type contentClub struct {
	*dmClub
	callers map[string]string // name → token ("" anonymous)
}

func newContentClub(t *testing.T, opts ...testenv.Option) *contentClub {
	c := newClub(t, opts...)
	follower := c.member(t, "Follower", "")
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/artists/"+c.artist.User.ID+"/follow", follower.AccessToken, nil).Status)
	return &contentClub{dmClub: c, callers: map[string]string{
		"anonymous": "", "follower": follower.AccessToken,
		"supporter": c.member(t, "Supporter", models.TierSupporter).AccessToken,
		"superfan":  c.member(t, "Superfan", models.TierSuperfan).AccessToken,
		"owner":     c.artist.AccessToken, "admin": registerAdmin(t, c.app).AccessToken,
	}}
}

func (c *contentClub) path() string { return "/api/artists/" + c.artist.User.ID + "/content" }

func (c *contentClub) create(t *testing.T, body map[string]any) contentItem {
	t.Helper()
	r := c.app.Do(t, http.MethodPost, c.path(), c.artist.AccessToken, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var item contentItem
	r.Decode(t, &item)
	return item
}

func (c *contentClub) setClock(at time.Time) {
	c.app.Platform.Auth.Now = func() time.Time { return at }
}

// Who opens a superfan-only item and a scheduled release, with the api's
// clock moved through the release's windows: CanAccess decides, and a 403
// names the tier let in now and when the caller's window opens.
func TestContentAccessByTierAndClock(t *testing.T) {
	c := newContentClub(t)
	now := time.Now().UTC().Truncate(time.Second)
	release := now.Add(100 * time.Hour)
	exclusive := c.create(t, map[string]any{"kind": "track", "title": "B-side", "body": "liner notes", "duration_seconds": 200, "min_tier": "superfan"})
	scheduled := c.create(t, map[string]any{"kind": "track", "title": "Single", "duration_seconds": 200, "public_at": release})

	type want struct {
		open bool
		tier string     // required_tier of the 403
		at   *time.Time // its available_at
	}
	never := want{tier: "superfan"}
	opensAt := func(tier string, at time.Time) want { return want{tier: tier, at: &at} }
	for _, tc := range []struct {
		clock time.Time
		item  contentItem
		want  map[string]want
	}{
		{now, exclusive, map[string]want{"anonymous": never, "follower": never, "supporter": never, "superfan": {open: true}, "owner": {open: true}, "admin": {open: true}}},
		{release.Add(time.Hour), exclusive, map[string]want{"anonymous": never, "follower": never, "supporter": never, "superfan": {open: true}, "owner": {open: true}, "admin": {open: true}}},
		{now, scheduled, map[string]want{ // before T-48h: nobody but the owner and admins
			"anonymous": opensAt("follower", release), "follower": opensAt("follower", release),
			"supporter": opensAt("follower", release.Add(-24*time.Hour)), "superfan": opensAt("follower", release.Add(-48*time.Hour)),
			"owner": {open: true}, "admin": {open: true}}},
		{release.Add(-36 * time.Hour), scheduled, map[string]want{
			"anonymous": opensAt("superfan", release), "follower": opensAt("superfan", release),
			"supporter": opensAt("superfan", release.Add(-24*time.Hour)), "superfan": {open: true}, "owner": {open: true}, "admin": {open: true}}},
		{release.Add(-12 * time.Hour), scheduled, map[string]want{
			"anonymous": opensAt("supporter", release), "follower": opensAt("supporter", release),
			"supporter": {open: true}, "superfan": {open: true}, "owner": {open: true}, "admin": {open: true}}},
		{release, scheduled, map[string]want{"anonymous": {open: true}, "follower": {open: true}, "supporter": {open: true}, "superfan": {open: true}, "owner": {open: true}, "admin": {open: true}}},
	} {
		c.setClock(tc.clock)
		for name, w := range tc.want {
			t.Run(tc.item.Title+"/"+tc.clock.Sub(release).String()+"/"+name, func(t *testing.T) {
				r := c.app.Do(t, http.MethodGet, "/api/content/"+tc.item.ID, c.callers[name], nil)
				if w.open {
					require.Equal(t, http.StatusOK, r.Status, string(r.Body))
					var got contentItem
					r.Decode(t, &got)
					require.False(t, got.Locked)
					require.Equal(t, tc.item.Body, got.Body)
					return
				}
				require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
				var e lockedError
				r.Decode(t, &e)
				require.Equal(t, "forbidden", e.Error.Code)
				require.Equal(t, w.tier, e.Error.RequiredTier)
				if w.at == nil {
					require.Nil(t, e.Error.AvailableAt, "never at their tier")
				} else {
					require.NotNil(t, e.Error.AvailableAt)
					require.True(t, w.at.Equal(*e.Error.AvailableAt), "opens at %v, not %v", w.at, e.Error.AvailableAt)
				}
			})
		}
	}
}

// The 403's fields are in the OpenAPI document's error schema.
func TestContentErrorFieldsAreDocumented(t *testing.T) {
	app := testenv.StartApp(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	app.Do(t, http.MethodGet, "/openapi.json", "", nil).Decode(t, &doc)
	found := false
	for _, s := range doc.Components.Schemas {
		if s.Properties["code"] != nil && s.Properties["retry_at"] != nil {
			require.Contains(t, s.Properties, "required_tier")
			require.Contains(t, s.Properties, "available_at")
			found = true
		}
	}
	require.True(t, found, "the error detail schema")
}

// The list: newest first in cursor pages; what the caller may not open is
// a teaser without body or media, with when it opens to them.
func TestContentListShowsLockedTeasers(t *testing.T) {
	c := newContentClub(t)
	now := time.Now().UTC().Truncate(time.Second)
	c.setClock(now)
	release := now.Add(30 * time.Hour) // supporters in 6 h, superfans already
	c.create(t, map[string]any{"kind": "post", "title": "Hello", "body": "first post"})
	c.create(t, map[string]any{"kind": "track", "title": "Exclusive", "body": "notes", "duration_seconds": 90, "min_tier": "superfan", "media_url": "https://cdn.example/x.mp3"})
	c.create(t, map[string]any{"kind": "video", "title": "Premiere", "duration_seconds": 600, "public_at": release, "media_url": "https://cdn.example/v.mp4"})

	list := func(token, query string) (items []contentItem, next string) {
		var page struct {
			Items      []contentItem `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		r := c.app.Do(t, http.MethodGet, c.path()+query, token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.Decode(t, &page)
		return page.Items, page.NextCursor
	}
	first, next := list(c.callers["supporter"], "?limit=2")
	require.NotEmpty(t, next)
	rest, end := list(c.callers["supporter"], "?limit=2&cursor="+url.QueryEscape(next))
	require.Empty(t, end)
	items := append(first, rest...)
	require.Equal(t, []string{"Premiere", "Exclusive", "Hello"}, []string{items[0].Title, items[1].Title, items[2].Title}, "newest first")

	premiere, exclusive, hello := items[0], items[1], items[2]
	require.True(t, premiere.Locked)
	require.Nil(t, premiere.Media, "no media in a teaser")
	require.Equal(t, 600, premiere.DurationSeconds)
	require.True(t, release.Add(-24*time.Hour).Equal(*premiere.AvailableAt), "the supporter's window")
	require.True(t, exclusive.Locked)
	require.Empty(t, exclusive.Body)
	require.Nil(t, exclusive.Media)
	require.Nil(t, exclusive.AvailableAt, "never at their tier")
	require.Equal(t, "superfan", exclusive.MinTier)
	require.False(t, hello.Locked)
	require.Equal(t, "first post", hello.Body)

	items, _ = list(c.callers["superfan"], "")
	require.False(t, items[0].Locked)
	require.Equal(t, "https://cdn.example/v.mp4", items[0].Media.URL, "the external URL only for who may open it")
	require.Equal(t, "notes", items[1].Body)
	items, _ = list("", "")
	require.True(t, items[0].Locked)
	require.True(t, release.Equal(*items[0].AvailableAt), "anonymous callers wait for the public time")

	r := c.app.Do(t, http.MethodGet, c.path()+"?cursor=nope", "", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
}

// Uploaded media: sniffed by its bytes whatever its name, stored under a
// key nobody sees, served only through the access-checked route.
func TestContentMediaOnlyForThoseAllowed(t *testing.T) {
	c := newContentClub(t)
	item := c.create(t, map[string]any{"kind": "track", "title": "B-side", "duration_seconds": 200, "min_tier": "superfan"})
	media := c.path() + "/" + item.ID + "/media"
	upload := func(token string, data []byte) testenv.Response {
		return c.app.Send(t, contentUpload(t, c.app, token, media, data))
	}

	for name, data := range map[string][]byte{
		"pdf":  []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"),
		"text": []byte("just some text, named song.mp3"),
		"svg":  []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"html": []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"),
	} {
		r := upload(c.artist.AccessToken, data)
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, "unsupported_type", r.ErrorCode(t))
	}
	r := c.app.Do(t, http.MethodGet, "/api/content/"+item.ID, c.callers["superfan"], nil)
	var got contentItem
	r.Decode(t, &got)
	require.Nil(t, got.Media, "nothing written by the refused uploads")
	require.Equal(t, http.StatusForbidden, upload(c.callers["superfan"], testenv.PNG(64)).Status, "only the artist uploads")

	frame := append([]byte{0xFF, 0xFB, 0x90, 0x64}, make([]byte, 413)...) // MPEG-1 layer III frames
	mp3 := bytes.Repeat(frame, 6)
	r = upload(c.artist.AccessToken, mp3)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &got)
	require.Equal(t, "audio/mpeg", got.Media.ContentType)
	require.Equal(t, "/api/content/"+item.ID+"/media", got.Media.URL)
	png := testenv.PNG(500)
	r = upload(c.artist.AccessToken, png) // named .mp3: its bytes decide
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.NotContains(t, string(r.Body), "content-", "the blob key is never shown")
	r.Decode(t, &got)
	require.Equal(t, "image/png", got.Media.ContentType)

	for _, name := range []string{"superfan", "owner", "admin"} {
		r := c.app.Do(t, http.MethodGet, got.Media.URL, c.callers[name], nil)
		require.Equal(t, http.StatusOK, r.Status, name)
		require.Equal(t, png, r.Body, "the replacement, not the first upload")
		require.Equal(t, "image/png", r.Header.Get("Content-Type"))
		require.Equal(t, "private", r.Header.Get("Cache-Control"))
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
	}
	for _, name := range []string{"anonymous", "follower", "supporter"} {
		r := c.app.Do(t, http.MethodGet, got.Media.URL, c.callers[name], nil)
		require.Equal(t, http.StatusForbidden, r.Status, name)
		var e lockedError
		r.Decode(t, &e)
		require.Equal(t, "superfan", e.Error.RequiredTier)
		require.NotContains(t, string(r.Body), "\x89PNG")
	}
	for _, guess := range []string{"/api/messages/attachments/" + item.ID, "/media/" + item.ID, "/api/content/" + item.ID + "/media/../media", "/data/" + item.ID} {
		r := c.app.Do(t, http.MethodGet, guess, c.callers["supporter"], nil)
		require.NotEqual(t, http.StatusOK, r.Status, guess)
	}

	require.Equal(t, http.StatusNoContent, c.app.Do(t, http.MethodDelete, c.path()+"/"+item.ID, c.artist.AccessToken, nil).Status)
	require.Equal(t, http.StatusNotFound, c.app.Do(t, http.MethodGet, got.Media.URL, c.callers["superfan"], nil).Status, "deleted: not served")
	require.Equal(t, http.StatusNotFound, c.app.Do(t, http.MethodGet, "/api/content/"+item.ID, c.artist.AccessToken, nil).Status)
}

// Another artist cannot edit or delete an item, by either path, and
// nothing is written.
func TestEditingAnotherArtistsContent(t *testing.T) {
	c := newContentClub(t)
	item := c.create(t, map[string]any{"kind": "post", "title": "Mine", "body": "original"})
	other := c.app.Register(t, "artist", "Other")
	own := c.path() + "/" + item.ID
	theirs := "/api/artists/" + other.User.ID + "/content/" + item.ID
	edit := map[string]any{"title": "Stolen"}
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{http.MethodPatch, own, other.AccessToken, http.StatusForbidden},
		{http.MethodPatch, theirs, other.AccessToken, http.StatusNotFound},
		{http.MethodPatch, own, c.callers["superfan"], http.StatusForbidden},
		{http.MethodDelete, own, other.AccessToken, http.StatusForbidden},
		{http.MethodDelete, theirs, other.AccessToken, http.StatusNotFound},
		{http.MethodPost, theirs + "/media", other.AccessToken, http.StatusNotFound},
	} {
		var r testenv.Response
		if strings.HasSuffix(tc.path, "/media") {
			r = c.app.Send(t, contentUpload(t, c.app, tc.token, tc.path, testenv.PNG(64)))
		} else {
			r = c.app.Do(t, tc.method, tc.path, tc.token, edit)
		}
		require.Equal(t, tc.status, r.Status, "%s %s: %s", tc.method, tc.path, r.Body)
	}
	r := c.app.Do(t, http.MethodGet, "/api/content/"+item.ID, "", nil)
	var got contentItem
	r.Decode(t, &got)
	require.Equal(t, "Mine", got.Title, "nothing written")
	require.Equal(t, "original", got.Body)

	r = c.app.Do(t, http.MethodPatch, own, c.callers["admin"], map[string]any{"title": "Moderated"})
	require.Equal(t, http.StatusOK, r.Status, "an admin may: %s", r.Body)
}

// A retried POST with the same Idempotency-Key answers the first item and
// makes no second one; bad input is refused naming the field, unwritten.
func TestContentCreateIdempotentAndValidated(t *testing.T) {
	c := newContentClub(t)
	post := func(key string, body map[string]any) testenv.Response {
		req, err := http.NewRequest(http.MethodPost, c.app.URL+c.path(), jsonBody(t, body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+c.artist.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		return c.app.Send(t, req)
	}
	body := map[string]any{"kind": "post", "title": "Once"}
	var first, again contentItem
	r := post("k1", body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &first)
	r = post("k1", body)
	require.Equal(t, http.StatusCreated, r.Status)
	r.Decode(t, &again)
	require.Equal(t, first.ID, again.ID)
	count := func() int {
		return len(testenv.Rows[models.Content](t, c.app.Platform.Store, "id", "artist_id = ?", mustUUID(t, c.artist.User.ID)))
	}
	require.Equal(t, 1, count())
	require.Equal(t, http.StatusCreated, post("k2", body).Status)
	require.Equal(t, 2, count())

	now := time.Now().UTC()
	c.setClock(now)
	for field, bad := range map[string]map[string]any{
		"kind":             {"title": "No kind"},
		"title":            {"kind": "post", "title": "   "},
		"body":             {"kind": "post", "title": "Long", "body": strings.Repeat("a", 10001)},
		"duration_seconds": {"kind": "track", "title": "No length"},
		"min_tier":         {"kind": "post", "title": "Gold", "min_tier": "gold"},
		"public_at":        {"kind": "post", "title": "Far", "public_at": now.Add(366 * 24 * time.Hour)},
		"media_url":        {"kind": "post", "title": "Plain", "media_url": "http://cdn.example/a.mp3"},
	} {
		r := c.app.Do(t, http.MethodPost, c.path(), c.artist.AccessToken, bad)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", field, r.Body)
		var e struct{ Error struct{ Field string } }
		r.Decode(t, &e)
		require.Equal(t, field, e.Error.Field, string(r.Body))
	}
	long := map[string]any{"kind": "post", "title": "Long", "media_url": "https://cdn.example/" + strings.Repeat("a", 2048)}
	require.Equal(t, http.StatusBadRequest, c.app.Do(t, http.MethodPost, c.path(), c.artist.AccessToken, long).Status)
	require.Equal(t, 2, count(), "nothing written")

	past := c.app.Do(t, http.MethodPost, c.path(), c.artist.AccessToken, map[string]any{"kind": "post", "title": "Late", "public_at": now.Add(-time.Hour)})
	require.Equal(t, http.StatusBadRequest, past.Status, "a release time in the past")
	var refused struct{ Error struct{ Field string } }
	past.Decode(t, &refused)
	require.Equal(t, "public_at", refused.Error.Field)
	require.Equal(t, 2, count(), "nothing written")
	require.False(t, c.create(t, map[string]any{"kind": "post", "title": "Open"}).Locked)
}

// Plays: only by callers who may open the item, of tracks and videos,
// capped by the duration and the time since the caller's last report,
// and rate-limited.
func TestPlaysCappedAndOnlyOfAccessibleContent(t *testing.T) {
	c := newContentClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.PlayRateLimit = 8 }))
	now := time.Now().UTC()
	c.setClock(now)
	track := c.create(t, map[string]any{"kind": "track", "title": "B-side", "duration_seconds": 200, "min_tier": "superfan"})
	post := c.create(t, map[string]any{"kind": "post", "title": "Words"})
	plays := func(id string) string { return "/api/content/" + id + "/plays" }
	report := func(token string, id string, position, listened int) testenv.Response {
		return c.app.Do(t, http.MethodPost, plays(id), token, map[string]any{"position_seconds": position, "seconds_listened": listened})
	}
	stored := func() int {
		return len(testenv.Rows[models.Play](t, c.app.Platform.Store, "created_at", "content_id = ?", mustUUID(t, track.ID)))
	}

	r := report(c.callers["supporter"], track.ID, 10, 10)
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	var e lockedError
	r.Decode(t, &e)
	require.Equal(t, "superfan", e.Error.RequiredTier)
	require.Equal(t, 0, stored(), "nothing written")

	fan := c.callers["superfan"]
	var p struct {
		SecondsListened int `json:"seconds_listened"`
	}
	r = report(fan, track.ID, 190, 5000)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &p)
	require.Equal(t, 200, p.SecondsListened, "the first report: at most the track")
	c.setClock(now.Add(15 * time.Second))
	report(fan, track.ID, 200, 200).Decode(t, &p)
	require.Equal(t, 15, p.SecondsListened, "then: at most the time since")

	bad := report(fan, track.ID, 201, 1)
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Contains(t, string(bad.Body), `"field":"position_seconds"`)
	require.Equal(t, http.StatusBadRequest, report(fan, post.ID, 0, 1).Status, "posts do not play")
	require.Equal(t, http.StatusBadRequest, report(fan, track.ID, -1, 1).Status)
	require.Equal(t, 2, stored())
	require.Equal(t, http.StatusUnauthorized, report("", track.ID, 1, 1).Status)

	for range 4 { // 8 a minute: 5 of the fan's counted so far
		r = report(fan, track.ID, 1, 1)
	}
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	require.Equal(t, "rate_limited", r.ErrorCode(t))
}

// The media route takes CONTENT_MEDIA_MAX_BYTES, not the attachment limit;
// past it 413, nothing stored.
func TestContentMediaBodyLimit(t *testing.T) {
	c := newContentClub(t, testenv.WithConfig(func(cfg *config.Config) {
		cfg.AttachmentMaxBytes, cfg.ContentMediaMaxBytes = 1<<20, 3<<20
	}))
	item := c.create(t, map[string]any{"kind": "post", "title": "Cover"})
	media := c.path() + "/" + item.ID + "/media"
	r := c.app.Send(t, contentUpload(t, c.app, c.artist.AccessToken, media, testenv.PNG(2<<20)))
	require.Equal(t, http.StatusOK, r.Status, "above the attachment limit: %s", r.Body)
	// Past the limit it is refused from the declared length, before a byte
	// of the body (a client still writing it would see the reset).
	status := rawRequest(t, c.app, "POST "+media+" HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer "+c.artist.AccessToken+
		"\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 4194304\r\n\r\n", nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	r = c.app.Do(t, http.MethodGet, "/api/content/"+item.ID+"/media", "", nil)
	require.Len(t, r.Body, 2<<20, "the first upload stays")
}

// Content writes have a per-artist rate (MESSAGE_RATE_LIMIT a minute):
// each may start or move a release workflow, so a flood is refused with
// 429 before anything is written or scheduled.
func TestContentWritesAreRateLimited(t *testing.T) {
	t.Parallel()
	c := newClub(t, testenv.WithConfig(func(c *config.Config) { c.MessageRateLimit = 3 }))
	path := "/api/artists/" + c.artist.User.ID + "/content"
	var first contentItem
	for i := range 3 {
		r := c.app.Do(t, http.MethodPost, path, c.artist.AccessToken, map[string]any{"kind": "post", "title": "Post"})
		require.Equal(t, http.StatusCreated, r.Status, "%d: %s", i, r.Body)
		if i == 0 {
			r.Decode(t, &first)
		}
	}
	r := c.app.Do(t, http.MethodPost, path, c.artist.AccessToken, map[string]any{"kind": "post", "title": "Flood"})
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.Equal(t, "rate_limited", r.ErrorCode(t))
	r = c.app.Do(t, http.MethodPatch, path+"/"+first.ID, c.artist.AccessToken, map[string]any{"title": "Renamed"})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "edits share the bucket: %s", r.Body)
	require.Len(t, testenv.Rows[models.Content](t, c.app.Platform.Store, "id", "artist_id = ?", c.artist.User.ID), 3, "nothing more written")
}
