package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/testenv"
)

func TestAnnouncementReachesFollowers(t *testing.T) {
	t.Parallel()
	app, fake := startWithSendGrid(t)
	artist := app.Register(t, "artist", "Announcer")
	wantsMail, unsubscribed, noAnnouncementMail := app.Register(t, "fan", "A"), app.Register(t, "fan", "B"), app.Register(t, "fan", "C")
	stranger := app.Register(t, "fan", "Not a follower")
	for _, f := range []testenv.Session{wantsMail, unsubscribed, noAnnouncementMail} {
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", f.AccessToken, nil).Status)
	}
	app.Do(t, http.MethodPut, "/api/notifications/preferences", unsubscribed.AccessToken, map[string]any{"email_unsubscribed": true, "digest_minutes": 15})
	app.Do(t, http.MethodPut, "/api/notifications/preferences", noAnnouncementMail.AccessToken,
		map[string]any{"channels": map[string]any{"announcement": map[string]bool{"email": false}}, "digest_minutes": 15})
	ws := app.Dial(t, wantsMail.AccessToken)

	path := "/api/artists/" + artist.User.ID + "/announcements"
	for name, tc := range map[string]struct {
		token  string
		body   any
		status int
	}{
		"a fan":       {wantsMail.AccessToken, map[string]any{"title": "x"}, http.StatusForbidden},
		"no title":    {artist.AccessToken, map[string]any{"body": "x"}, http.StatusBadRequest},
		"unknown key": {artist.AccessToken, map[string]any{"title": "x", "to": "all"}, http.StatusBadRequest},
	} {
		require.Equal(t, tc.status, app.Do(t, http.MethodPost, path, tc.token, tc.body).Status, name)
	}

	r := app.Do(t, http.MethodPost, path, artist.AccessToken, map[string]any{"title": "Tour dates", "body": "Lyon, Paris, Berlin"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var b struct {
		BroadcastID string `json:"broadcast_id"`
	}
	r.Decode(t, &b)
	var progress struct {
		Recipients, Pushed, Emailed int
		Done                        bool
	}
	require.Eventually(t, func() bool {
		err := app.Fetch(http.MethodGet, "/api/notifications/broadcasts/"+b.BroadcastID, artist.AccessToken, nil, &progress)
		return err == nil && progress.Done
	}, time.Minute, 200*time.Millisecond)
	require.Equal(t, 3, progress.Recipients)
	require.Equal(t, 1, progress.Pushed, "only the follower online")
	require.Equal(t, 1, progress.Emailed, "preferences and unsubscribes are honoured")

	require.Equal(t, "Tour dates", ws.Await("notification")["data"].(map[string]any)["title"])
	for _, f := range []testenv.Session{wantsMail, unsubscribed, noAnnouncementMail} {
		var p inboxPage
		app.Do(t, http.MethodGet, "/api/notifications", f.AccessToken, nil).Decode(t, &p)
		require.Len(t, p.Items, 1)
		require.Equal(t, "Tour dates", p.Items[0].Title)
	}
	var none inboxPage
	app.Do(t, http.MethodGet, "/api/notifications", stranger.AccessToken, nil).Decode(t, &none)
	require.Empty(t, none.Items)

	require.Equal(t, 1, fake.count())
	ps := fake.sent[0]["personalizations"].([]any)
	require.Len(t, ps, 1)
	require.Equal(t, wantsMail.User.Email, ps[0].(map[string]any)["to"].([]any)[0].(map[string]any)["email"])

	r = app.Do(t, http.MethodGet, "/api/notifications/broadcasts/"+b.BroadcastID, wantsMail.AccessToken, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "another user's broadcast does not exist for them")
}
