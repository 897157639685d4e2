package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// A broadcast to the superfans web-pushes each browser of a subscribed
// superfan once, from the broadcast page itself; a browser that fails once
// is retried on its own, and the other gets no second push. A superfan in
// quiet hours gets it through their inbox, later. Supporters, followers who
// are not members and a pending member are not in it; the followers who
// are not members are in the public phase's broadcast, on the channels
// each wants.
func TestMembersBroadcastPushesEachBrowserOnce(t *testing.T) {
	t.Parallel()
	ps, srv := newPushService(t)
	c := newClub(t, testenv.WithConfig(loopbackPush))
	app, ctx := c.app, t.Context()
	artistID := uuid.MustParse(c.artist.User.ID)
	superfan, supporter := c.member(t, "Superfan", models.TierSuperfan), c.member(t, "Supporter", models.TierSupporter)
	sleeper := c.member(t, "Sleeping superfan", models.TierSuperfan)
	follower, pending := c.member(t, "Follower", ""), c.member(t, "Pending", "")
	now := time.Now().UTC()
	require.NoError(t, app.Platform.Store.RecordMembership(ctx, models.Subscription{ArtistID: artistID, FanID: uuid.MustParse(pending.User.ID),
		WorkflowID: "w", Tier: models.TierSuperfan, Status: models.StatusPending, MemberSince: now, Period: 1, PeriodStart: now,
		PeriodEnd: now.AddDate(0, 1, 0), PriceCents: 1000, Currency: "usd", CreatedAt: now, UpdatedAt: now}, 0, nil))
	for _, f := range []testenv.Session{supporter, follower, pending} { // the superfan does not follow: members are reached all the same
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+c.artist.User.ID+"/follow", f.AccessToken, nil).Status)
	}
	now = time.Now().UTC() // the fans' time zone
	r := app.Do(t, http.MethodPut, "/api/notifications/preferences", sleeper.AccessToken, map[string]any{"digest_minutes": 0,
		"quiet_start": now.Add(-time.Hour).Format("15:04"), "quiet_end": now.Add(time.Hour).Format("15:04")})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = app.Do(t, http.MethodPut, "/api/notifications/preferences", follower.AccessToken,
		map[string]any{"channels": map[string]any{"release": map[string]bool{"email": false}}, "digest_minutes": 15})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var vapid struct {
		PublicKey string `json:"public_key"`
	}
	app.Do(t, http.MethodGet, "/api/push/vapid-key", "", nil).Decode(t, &vapid)
	browsers := map[string]browser{}
	for path, who := range map[string]testenv.Session{"/ok": superfan, "/once": superfan, "/supporter": supporter, "/follower": follower, "/pending": pending, "/sleeper": sleeper} {
		browsers[path] = newBrowser(t)
		r := app.Do(t, http.MethodPost, "/api/push/subscriptions", who.AccessToken, map[string]any{"endpoint": srv.URL + path, "keys": browsers[path].keys})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	broadcast := func(audience models.Audience, key string) models.BroadcastProgress {
		id, err := app.Platform.Notify.Broadcast(ctx, audience, notify.Notification{Category: "release", Title: "Out now", Body: "Track one"}, key)
		require.NoError(t, err)
		var p models.BroadcastProgress
		require.NoError(t, app.Platform.Temporal.GetWorkflow(ctx, workflows.BroadcastID(id), "").Get(ctx, &p))
		return p
	}

	p := broadcast(models.Members(artistID, models.TierSuperfan), "release/1/superfan")
	require.Equal(t, 2, p.Recipients)
	require.Equal(t, 1, p.WebPushed, "the superfan in quiet hours is left to their inbox")
	// The broadcast is over, its pushes and their retries with it.
	for path, want := range map[string]int{"/ok": 1, "/once": 2, "/sleeper": 0, "/supporter": 0, "/follower": 0, "/pending": 0} {
		require.Equal(t, want, ps.count(path), path)
	}
	require.Len(t, inboxState(t, app, sleeper.User.ID).Pending["push|release"], 1, "held until the quiet hours end")
	inbox := channelsOf(t, app, superfan)
	require.Equal(t, []string{"in_app", "email", "push"}, inbox.Items[0].Channels, "the category's channels the superfan wants")
	for path, hit := range map[string]pushHit{"/ok": ps.hit("/ok", 0), "/once": ps.hit("/once", 1)} {
		verifyVAPID(t, hit.header, vapid.PublicKey, srv.URL, app.Platform.Config.VAPIDSubject)
		require.Equal(t, "high", hit.header.Get("Urgency"), "a release is high priority")
		var payload struct {
			Title, Body string
			IDs         []string `json:"notification_ids"`
		}
		require.NoError(t, json.Unmarshal(browsers[path].decrypt(t, hit.body), &payload), path)
		require.Equal(t, "Out now", payload.Title, path)
		require.Equal(t, "Track one", payload.Body, path)
		require.Equal(t, []string{inbox.Items[0].ID}, payload.IDs, path)
	}
	for _, who := range []testenv.Session{supporter, follower, pending} {
		var none inboxPage
		app.Do(t, http.MethodGet, "/api/notifications", who.AccessToken, nil).Decode(t, &none)
		require.Empty(t, none.Items, who.User.Email)
	}

	p = broadcast(models.NonMembers(artistID), "release/1/public")
	require.Equal(t, 2, p.Recipients, "the follower and the pending member")
	for path, want := range map[string]int{"/ok": 1, "/once": 2, "/sleeper": 0, "/supporter": 0, "/follower": 1, "/pending": 1} {
		require.Equal(t, want, ps.count(path), path)
	}
	require.Equal(t, []string{"in_app", "push"}, channelsOf(t, app, follower).Items[0].Channels, "the follower turned release email off")
}

type channelsPage struct {
	Items []struct {
		ID       string
		Channels []string
	}
}

// channelsOf reads who's inbox, which holds one notification.
func channelsOf(t *testing.T, app *testenv.App, who testenv.Session) channelsPage {
	var inbox channelsPage
	app.Do(t, http.MethodGet, "/api/notifications", who.AccessToken, nil).Decode(t, &inbox)
	require.Len(t, inbox.Items, 1)
	return inbox
}
