package notifier_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

type inboxPage struct {
	Items []struct {
		Category string `json:"category"`
		Title    string `json:"title"`
	} `json:"items"`
}

// An activity notifies through the platform's notifier, the entry point the
// api uses: a support milestone's row, delivered by the dispatcher's
// RewardWorkflow, is in fan's and artist's inboxes and on the fan's socket.
func TestMilestoneNotifiesThroughTheNotifier(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	ws := app.Dial(t, fan.AccessToken)
	acts := &activities.Membership{Store: app.Platform.Store, Now: time.Now}
	require.NoError(t, acts.AwardMilestone(t.Context(), activities.MilestoneAward{
		ArtistID: uuid.MustParse(artist.User.ID), FanID: uuid.MustParse(fan.User.ID), Key: models.MilestoneSupport1Month, At: time.Now(),
	}))
	app.Platform.Milestones.Wake()
	require.Equal(t, "milestone", ws.Await("notification")["data"].(map[string]any)["category"])
	for _, who := range []testenv.Session{fan, artist} {
		var p inboxPage
		require.Eventually(t, func() bool {
			return app.Fetch(http.MethodGet, "/api/notifications", who.AccessToken, nil, &p) == nil && len(p.Items) == 1
		}, 30*time.Second, 50*time.Millisecond)
		require.Equal(t, "milestone", p.Items[0].Category)
	}
}

// A keyed send (a retried activity's) writes and publishes once.
func TestKeyedSendIsWrittenOnce(t *testing.T) {
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Kai")
	ws := app.Dial(t, fan.AccessToken)
	x := notify.Notification{UserID: uuid.MustParse(fan.User.ID), Category: "milestone", Title: "Once", Key: "test/once", At: time.Now()}
	first, err := app.Platform.Notify.Send(t.Context(), x)
	require.NoError(t, err)
	again, err := app.Platform.Notify.Send(t.Context(), x)
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, "Once", ws.Await("notification")["data"].(map[string]any)["title"])
	x.Key, x.Title = "test/other", "Other"
	_, err = app.Platform.Notify.Send(t.Context(), x)
	require.NoError(t, err)
	require.Equal(t, "Other", ws.Await("notification")["data"].(map[string]any)["title"], "the repeat published nothing")
	var p inboxPage
	require.NoError(t, app.Fetch(http.MethodGet, "/api/notifications", fan.AccessToken, nil, &p))
	require.Len(t, p.Items, 2)
}

// A workflow that announces gives a key: its retried activity broadcasts
// nothing twice, while the broadcast runs and after it ended.
func TestKeyedBroadcastRunsOnce(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", fan.AccessToken, nil).Status)
	audience := models.Followers(uuid.MustParse(artist.User.ID))
	x := notify.Notification{Category: "release", Title: "Out now"}
	tc := app.Platform.Temporal
	ctx := t.Context()

	first, err := app.Platform.Notify.Broadcast(ctx, audience, x, "release/1/public")
	require.NoError(t, err)
	running, err := app.Platform.Notify.Broadcast(ctx, audience, x, "release/1/public")
	require.NoError(t, err)
	require.Equal(t, first, running)
	run := tc.GetWorkflow(ctx, workflows.BroadcastID(first), "")
	var p models.BroadcastProgress
	require.NoError(t, run.Get(ctx, &p))
	require.Equal(t, 1, p.Recipients)

	again, err := app.Platform.Notify.Broadcast(ctx, audience, x, "release/1/public")
	require.NoError(t, err, "a broadcast that ended is not an error")
	require.Equal(t, first, again)
	d, err := tc.DescribeWorkflow(ctx, workflows.BroadcastID(first), "")
	require.NoError(t, err)
	require.Equal(t, run.GetRunID(), d.WorkflowExecution.RunID, "no second run")

	other, err := app.Platform.Notify.Broadcast(ctx, audience, x, "release/1/supporter")
	require.NoError(t, err)
	require.NotEqual(t, first, other, "another key is another broadcast")
	require.NoError(t, tc.GetWorkflow(ctx, workflows.BroadcastID(other), "").Get(ctx, nil))
	unkeyed, err := app.Platform.Notify.Broadcast(ctx, audience, x, "")
	require.NoError(t, err)
	require.NotEqual(t, first, unkeyed)
	require.NoError(t, tc.GetWorkflow(ctx, workflows.BroadcastID(unkeyed), "").Get(ctx, nil))

	r := app.Do(t, http.MethodGet, "/api/notifications", fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var inbox inboxPage
	r.Decode(t, &inbox)
	require.Len(t, inbox.Items, 3, "one row per broadcast")
}
