package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

func TestAnnouncementReachesFollowers(t *testing.T) {
	t.Parallel()
	app, fake := startWithSendGrid(t)
	artist := app.Register(t, "artist", "Announcer")
	wantsMail, unsubscribed, noAnnouncementMail := app.Register(t, "fan", "A"), app.Register(t, "fan", "B"), app.Register(t, "fan", "C")
	sleeper := app.Register(t, "fan", "In quiet hours")
	stranger := app.Register(t, "fan", "Not a follower")
	for _, f := range []testenv.Session{wantsMail, unsubscribed, noAnnouncementMail, sleeper} {
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", f.AccessToken, nil).Status)
	}
	app.Do(t, http.MethodPut, "/api/notifications/preferences", unsubscribed.AccessToken, map[string]any{"email_unsubscribed": true, "digest_minutes": 15})
	app.Do(t, http.MethodPut, "/api/notifications/preferences", noAnnouncementMail.AccessToken,
		map[string]any{"channels": map[string]any{"announcement": map[string]bool{"email": false}}, "digest_minutes": 15})
	app.Do(t, http.MethodPut, "/api/notifications/preferences", wantsMail.AccessToken, map[string]any{"digest_minutes": 0})
	now := time.Now().UTC() // the fans' time zone
	quietEnd := now.Add(time.Hour).Truncate(time.Minute)
	r := app.Do(t, http.MethodPut, "/api/notifications/preferences", sleeper.AccessToken, map[string]any{"digest_minutes": 0,
		"quiet_start": now.Add(-time.Hour).Format("15:04"), "quiet_end": quietEnd.Format("15:04")})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
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

	r = app.Do(t, http.MethodPost, path, artist.AccessToken, map[string]any{"title": "Tour dates", "body": "Lyon, Paris, Berlin"})
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
	require.Equal(t, 4, progress.Recipients)
	require.Equal(t, 1, progress.Pushed, "only the follower online")
	require.Equal(t, 2, progress.Emailed, "preferences and unsubscribes are honoured")

	require.Equal(t, "Tour dates", ws.Await("notification")["data"].(map[string]any)["title"])
	for _, f := range []testenv.Session{wantsMail, unsubscribed, noAnnouncementMail, sleeper} {
		var p inboxPage
		app.Do(t, http.MethodGet, "/api/notifications", f.AccessToken, nil).Decode(t, &p)
		require.Len(t, p.Items, 1)
		require.Equal(t, "Tour dates", p.Items[0].Title)
	}
	var none inboxPage
	app.Do(t, http.MethodGet, "/api/notifications", stranger.AccessToken, nil).Decode(t, &none)
	require.Empty(t, none.Items)

	// The follower free to read it now was mailed in the page's one batch;
	// the one in quiet hours gets it from their inbox when those end.
	require.Equal(t, 1, fake.count())
	held := inboxState(t, app, sleeper.User.ID)
	require.Empty(t, held.Sent[models.ChannelEmail])
	require.Len(t, held.Pending["email|artist:"+artist.User.ID], 1)
	require.True(t, held.Due["email|artist:"+artist.User.ID].Equal(quietEnd), "held until %s, not %s", quietEnd, held.Due["email|artist:"+artist.User.ID])
	ps := fake.sent[0]["personalizations"].([]any)
	require.Len(t, ps, 1)
	require.Equal(t, wantsMail.User.Email, ps[0].(map[string]any)["to"].([]any)[0].(map[string]any)["email"])

	r = app.Do(t, http.MethodGet, "/api/notifications/broadcasts/"+b.BroadcastID, wantsMail.AccessToken, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "another user's broadcast does not exist for them")
}

// An artist may announce ANNOUNCEMENTS_PER_DAY times in 24 hours; the count
// is in the database, so a second api instance refuses the next one too.
func TestAnnouncementsPerDay(t *testing.T) {
	t.Parallel()
	perDay := testenv.WithConfig(func(c *config.Config) { c.AnnouncementsPerDay = 2 })
	app := testenv.StartApp(t, perDay)
	other := testenv.StartApp(t, testenv.Alongside(app), perDay)
	artist, quiet := app.Register(t, "artist", "Chatty"), app.Register(t, "artist", "Quiet")
	announce := func(on *testenv.App, who testenv.Session) testenv.Response {
		return on.Do(t, http.MethodPost, "/api/artists/"+who.User.ID+"/announcements", who.AccessToken, map[string]any{"title": "News"})
	}
	require.Equal(t, http.StatusAccepted, announce(app, artist).Status)
	require.Equal(t, http.StatusAccepted, announce(other, artist).Status)
	for name, on := range map[string]*testenv.App{"first instance": app, "second instance": other} {
		r := announce(on, artist)
		require.Equal(t, http.StatusTooManyRequests, r.Status, name)
		require.Equal(t, "rate_limited", r.ErrorCode(t), name)
	}
	require.Equal(t, http.StatusAccepted, announce(other, quiet).Status, "each artist has their own count")
}

// A follower who had their hourly email cap gets the announcement's email
// when the cap frees, as any other notification: the inbox's rule.
func TestAnnouncementRespectsEmailCaps(t *testing.T) {
	t.Parallel()
	app := testenv.StartApp(t)
	artist, busy := app.Register(t, "artist", "Announcer"), app.Register(t, "fan", "Busy")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", busy.AccessToken, nil).Status)
	app.Do(t, http.MethodPut, "/api/notifications/preferences", busy.AccessToken, map[string]any{"digest_minutes": 0})
	for i := range 4 { // the email cap of an hour
		_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{UserID: uuid.MustParse(busy.User.ID), Category: "membership",
			GroupKey: "g" + string(rune('a'+i)), Title: "Earlier mail"})
		require.NoError(t, err)
	}
	awaitInbox(t, app, busy.User.ID, models.ChannelEmail, 4)

	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/announcements", artist.AccessToken, map[string]any{"title": "Tour dates"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var b struct {
		BroadcastID string `json:"broadcast_id"`
	}
	r.Decode(t, &b)
	require.NoError(t, app.Platform.Temporal.GetWorkflow(t.Context(), workflows.BroadcastID(b.BroadcastID), "").Get(t.Context(), nil))

	st := inboxState(t, app, busy.User.ID)
	group := "email|artist:" + artist.User.ID
	require.Len(t, st.Sent[models.ChannelEmail], 4, "nothing more this hour")
	require.Len(t, st.Pending[group], 1)
	require.True(t, st.Due[group].Equal(st.Sent[models.ChannelEmail][0].Add(time.Hour)), "held until the cap frees")
}
