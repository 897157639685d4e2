package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestArtistProfileOwnership(t *testing.T) {
	app := testenv.StartApp(t)
	owner := app.Register(t, "artist", "Owner Band")
	other := app.Register(t, "artist", "Other Band")
	fan := app.Register(t, "fan", "A Fan")
	path := "/api/artists/" + owner.User.ID
	change := map[string]any{"bio": "New album out now", "slug": "owners"}

	for name, tc := range map[string]struct {
		token  string
		status int
		code   string
	}{
		"anonymous":      {"", 401, "unauthorized"},
		"fan":            {fan.AccessToken, 403, "forbidden"},
		"another artist": {other.AccessToken, 403, "forbidden"},
	} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(t, http.MethodPatch, path, tc.token, change)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			require.Equal(t, tc.code, r.ErrorCode(t))
		})
	}

	r := app.Do(t, http.MethodPatch, path, owner.AccessToken, change)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), `"slug":"owners"`)
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, "/api/artists/owners", "", nil).Status)

	r = app.Do(t, http.MethodPatch, "/api/artists/"+other.User.ID, other.AccessToken, map[string]any{"slug": "owners"})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, "slug", decodeField(t, r))

	r = app.Do(t, http.MethodPatch, path, owner.AccessToken, map[string]any{"slug": "Not A Slug"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "slug", decodeField(t, r))
}

func TestFollowErrors(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Solo")
	fan := app.Register(t, "fan", "Fan")

	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)

	r = app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", artist.AccessToken, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, "artists cannot follow themselves")

	for _, id := range []string{"01932c7e-0000-7000-8000-000000000000", "no-such-slug", fan.User.ID} {
		r = app.Do(t, http.MethodPost, "/api/artists/"+id+"/follow", fan.AccessToken, nil)
		require.Equal(t, http.StatusNotFound, r.Status, id)
		require.Equal(t, "not_found", r.ErrorCode(t))
	}
}

func decodeField(t *testing.T, r testenv.Response) string {
	var e struct{ Error struct{ Field string } }
	r.Decode(t, &e)
	return e.Error.Field
}
