package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/testenv"
)

// Every decode error of a known field names it, at any depth: a wrong type
// json refuses itself, and a value the field's own UnmarshalJSON or
// UnmarshalText refuses (a time, a UUID), which json reports without one.
func TestDecodeErrorsNameTheField(t *testing.T) {
	t.Parallel()
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Strict")
	content := "/api/artists/" + artist.User.ID + "/content"
	track := func(over map[string]any) map[string]any {
		body := map[string]any{"kind": "track", "title": "Song", "duration_seconds": 180}
		for k, v := range over {
			body[k] = v
		}
		return body
	}
	party := "/api/parties/" + createParty(t, app, artist.AccessToken, nil).ID
	for _, tc := range []struct {
		method, path string
		body         map[string]any
		field, want  string
	}{
		{http.MethodPost, content, track(map[string]any{"public_at": "yesterday"}), "public_at", "public_at must be an RFC 3339 time such as 2027-01-01T00:00:00Z"},
		{http.MethodPost, content, track(map[string]any{"public_at": "2027-13-01T00:00:00Z"}), "public_at", ""},
		{http.MethodPost, content, track(map[string]any{"public_at": 1798761600}), "public_at", ""},
		{http.MethodPost, content, track(map[string]any{"title": 5}), "title", "title must be a string"},
		{http.MethodPost, "/api/parties", partyBody(map[string]any{"scheduled_at": "next friday"}), "scheduled_at", ""},
		{http.MethodPatch, party, map[string]any{"scheduled_at": true}, "scheduled_at", ""},
		{http.MethodPost, "/api/parties", partyBody(map[string]any{"playlist": []any{video("dQw4w9WgXcQ", 1000), map[string]any{"kind": "track", "content_id": "nope"}}}),
			"playlist[1].content_id", "playlist[1].content_id must be a UUID"},
		{http.MethodPost, "/api/parties", partyBody(map[string]any{"playlist": []any{map[string]any{"kind": "youtube", "video_id": "dQw4w9WgXcQ", "duration_ms": "long"}}}),
			"playlist[0].duration_ms", "playlist[0].duration_ms must be an integer"},
		{http.MethodPut, "/api/artists/" + artist.User.ID + "/club", map[string]any{"milestones": []any{map[string]any{"title": "m", "members": 10}, map[string]any{"title": "n", "members": "ten"}}},
			"milestones[1].members", ""},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := app.Do(t, tc.method, tc.path, artist.AccessToken, tc.body)
			requireField(t, r, tc.field)
			if tc.want != "" {
				var e struct{ Error struct{ Message string } }
				r.Decode(t, &e)
				require.Equal(t, tc.want, e.Error.Message)
			}
		})
	}
}
