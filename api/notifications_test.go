package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type inboxPage struct {
	Items []struct {
		ID, Category, GroupKey, Title string
		ReadAt                        *time.Time `json:"read_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestInbox(t *testing.T) {
	for name, opts := range map[string][]testenv.Option{"postgres": nil, "sqlite": {testenv.WithSQLite(), testenv.WithoutRedis()}} {
		t.Run(name, func(t *testing.T) { testInbox(t, testenv.StartApp(t, opts...)) })
	}
}

func testInbox(t *testing.T, app *testenv.App) {
	me, other := app.Register(t, "fan", "Reader"), app.Register(t, "fan", "Other")
	ws := app.Dial(t, me.AccessToken)
	send := func(user, category, group, title string, ttl time.Duration) string {
		row, err := app.Platform.Notify.Send(t.Context(), notify.Notification{
			UserID: uuid.MustParse(user), Category: category, GroupKey: group, Title: title, TTL: ttl,
			Data: map[string]any{"k": title},
		})
		require.NoError(t, err)
		return row.ID.String()
	}
	first := send(me.User.ID, "announcement", "artist:1", "one", 0)
	pushed := ws.Await("notification")
	require.Equal(t, "one", pushed["data"].(map[string]any)["title"], "pushed to the socket at once")
	send(me.User.ID, "announcement", "artist:1", "two", 0)
	third := send(me.User.ID, "release", "", "three", time.Hour)
	send(me.User.ID, "release", "", "gone", time.Nanosecond) // expires at once
	send(other.User.ID, "announcement", "", "not mine", 0)

	list := func(query string) inboxPage {
		r := app.Do(t, http.MethodGet, "/api/notifications"+query, me.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p inboxPage
		r.Decode(t, &p)
		return p
	}
	all := list("")
	require.Len(t, all.Items, 3, "expired and other users' notifications are hidden")
	require.Equal(t, []string{"three", "two", "one"}, []string{all.Items[0].Title, all.Items[1].Title, all.Items[2].Title})

	p1 := list("?limit=2")
	require.Len(t, p1.Items, 2)
	require.NotEmpty(t, p1.NextCursor)
	p2 := list("?limit=2&cursor=" + p1.NextCursor)
	require.Len(t, p2.Items, 1)
	require.Equal(t, first, p2.Items[0].ID)
	require.Empty(t, p2.NextCursor)

	require.Len(t, list("?category=release").Items, 1)

	var grouped struct {
		Items []struct {
			GroupKey      string `json:"group_key"`
			Count, Unread int
			Latest        struct{ Title string }
		}
	}
	r := app.Do(t, http.MethodGet, "/api/notifications?grouped=true", me.AccessToken, nil)
	r.Decode(t, &grouped)
	require.Len(t, grouped.Items, 2)
	require.Equal(t, "release", grouped.Items[0].GroupKey)
	require.Equal(t, "artist:1", grouped.Items[1].GroupKey)
	require.Equal(t, 2, grouped.Items[1].Count)
	require.Equal(t, "two", grouped.Items[1].Latest.Title)

	unread := func() int64 {
		var c struct{ Count int64 }
		app.Do(t, http.MethodGet, "/api/notifications/unread-count", me.AccessToken, nil).Decode(t, &c)
		return c.Count
	}
	require.EqualValues(t, 3, unread())
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodPost, "/api/notifications/"+third+"/read", me.AccessToken, nil).Status)
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodPost, "/api/notifications/"+third+"/read", me.AccessToken, nil).Status, "twice is fine")
	require.EqualValues(t, 2, unread())
	require.Len(t, list("?unread=true").Items, 2)

	// Another user's notification does not exist for me, nor does garbage.
	for _, id := range []string{first, "nope"} {
		r := app.Do(t, http.MethodPost, "/api/notifications/"+id+"/read", other.AccessToken, nil)
		require.Equal(t, http.StatusNotFound, r.Status)
	}
	r = app.Do(t, http.MethodPost, "/api/notifications/read-all", me.AccessToken, nil)
	require.JSONEq(t, `{"count":2}`, string(r.Body))
	require.Zero(t, unread())

	for _, q := range []string{"?limit=0", "?limit=101", "?cursor=abc", "?category=spam", "?unread=maybe"} {
		r := app.Do(t, http.MethodGet, "/api/notifications"+q, me.AccessToken, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, q)
		require.Equal(t, "invalid", r.ErrorCode(t), q)
	}
	require.Equal(t, http.StatusUnauthorized, app.Do(t, http.MethodGet, "/api/notifications", "", nil).Status)
}

func TestNotificationPreferences(t *testing.T) {
	app := testenv.StartApp(t)
	me := app.Register(t, "fan", "Picky")
	r := app.Do(t, http.MethodGet, "/api/notifications/preferences", me.AccessToken, nil)
	require.JSONEq(t, `{"channels":{},"digest_minutes":15,"quiet_start":"","quiet_end":"","email_unsubscribed":false}`, string(r.Body))

	good := map[string]any{"channels": map[string]any{"announcement": map[string]bool{"email": false}},
		"digest_minutes": 30, "quiet_start": "22:30", "quiet_end": "07:00", "email_unsubscribed": false}
	r = app.Do(t, http.MethodPut, "/api/notifications/preferences", me.AccessToken, good)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	for name, tc := range map[string]struct {
		key   string
		value any
		field string
	}{
		"unknown category": {"channels", map[string]any{"spam": map[string]bool{"email": true}}, "channels"},
		"in-app cannot go": {"channels", map[string]any{"release": map[string]bool{"in_app": false}}, "channels"},
		"bad clock":        {"quiet_start", "25:00", "quiet_start"},
		"half quiet hours": {"quiet_end", "", "quiet_end"},
		"digest too long":  {"digest_minutes", 5000, "digest_minutes"},
	} {
		t.Run(name, func(t *testing.T) {
			body := map[string]any{}
			for k, v := range good {
				body[k] = v
			}
			body[tc.key] = tc.value
			r := app.Do(t, http.MethodPut, "/api/notifications/preferences", me.AccessToken, body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Equal(t, tc.field, decodeField(t, r))
		})
	}
	r = app.Do(t, http.MethodGet, "/api/notifications/preferences", me.AccessToken, nil)
	var got map[string]any
	r.Decode(t, &got)
	require.Equal(t, "22:30", got["quiet_start"], "refused changes wrote nothing")
	require.EqualValues(t, 30, got["digest_minutes"])
}

func TestSendRejectsBadNotifications(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithSQLite(), testenv.WithoutRedis())
	me := uuid.MustParse(app.Register(t, "fan", "Target").User.ID)
	for field, n := range map[string]notify.Notification{
		"category": {UserID: me, Category: "spam", Title: "x"},
		"title":    {UserID: me, Category: "release", Title: " "},
		"priority": {UserID: me, Category: "release", Title: "x", Priority: "whenever"},
		"ttl":      {UserID: me, Category: "release", Title: "x", TTL: -time.Second},
	} {
		_, err := app.Platform.Notify.Send(t.Context(), n)
		var e *models.Error
		require.ErrorAs(t, err, &e, field)
		require.Equal(t, field, e.Field)
	}
}
