package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

type qaSession struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Month     string `json:"month"`
	Questions []qaQuestion
}

type qaQuestion struct {
	ID     string  `json:"id"`
	Body   string  `json:"body"`
	Votes  int     `json:"votes"`
	Answer *string `json:"answer"`
}

// The monthly Q&A end to end, on the dev server and real sockets: the
// club's schedule opens the month's session; supporters ask and vote once
// each; a follower is kept out; the artist answers and closes; each asker
// is told once, also when the close is repeated; the room hears it all;
// closing the club deletes the schedule and refuses new members.
func TestQAMonthlySessionEndToEnd(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	ctx := t.Context()
	path := "/api/artists/" + artist.User.ID
	artistID := mustUUID(t, artist.User.ID)
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{"description": "Nova's club"}).Status)

	// The schedule, as an operator sees it.
	sched := app.Platform.Temporal.ScheduleClient().GetHandle(ctx, workflows.QAScheduleID(artistID))
	d, err := sched.Describe(ctx)
	require.NoError(t, err)
	cal := d.Schedule.Spec.Calendars[0]
	require.Equal(t, []client.ScheduleRange{{Start: 1, End: 1, Step: 1}}, cal.DayOfMonth)
	require.Equal(t, []client.ScheduleRange{{Start: 17, End: 17, Step: 1}}, cal.Hour)
	action, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	require.Equal(t, "QASessionWorkflow", action.Workflow)
	require.Equal(t, app.Platform.Config.TemporalTaskQueue, action.TaskQueue)

	// An operator's pause survives the next PUT.
	require.NoError(t, sched.Pause(ctx, client.SchedulePauseOptions{Note: "holiday"}))
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{"description": "Nova's club!"}).Status)
	d, err = sched.Describe(ctx)
	require.NoError(t, err)
	require.True(t, d.Schedule.State.Paused, "left as the operator tuned it")
	require.NoError(t, sched.Unpause(ctx, client.ScheduleUnpauseOptions{}))

	// A run of the schedule opens the month's session; the artist's manual
	// open of the same month is the same session.
	var sessionID string
	run := testenv.RunSchedule(t, app.Platform.Temporal, workflows.QAScheduleID(artistID), &sessionID)
	testenv.RecordHistory(t, app.Platform.Temporal, run, "qa_v1.json")
	var s qaSession
	r := app.Do(t, http.MethodPost, path+"/qa", artist.AccessToken, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &s)
	require.Equal(t, sessionID, s.ID, "one session a month")
	require.Equal(t, models.QAMonth(time.Now()), s.Month)
	session := "/api/qa/" + s.ID
	room := realtime.QARoom(s.ID)

	ask, voter, superfan := c.member(t, "Kai", models.TierSupporter), c.member(t, "Ada", models.TierSupporter), c.member(t, "Sam", models.TierSuperfan)
	follower := c.member(t, "Lou", "")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, path+"/follow", follower.AccessToken, nil).Status)

	voterWS, artistWS := app.Dial(t, voter.AccessToken), app.Dial(t, artist.AccessToken)
	for _, ws := range []*testenv.WS{voterWS, artistWS} {
		require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
	}
	require.Equal(t, "forbidden", testenv.ErrorCode(app.Dial(t, follower.AccessToken).Request("join_room", room, nil)))

	// A follower has no Q&A.
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, path + "/qa"}, {http.MethodGet, session}, {http.MethodPost, session + "/questions"},
	} {
		r := app.Do(t, call.method, call.path, follower.AccessToken, map[string]any{"body": "me too?"})
		require.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", call.method, call.path, r.Body)
		require.Equal(t, "forbidden", r.ErrorCode(t))
	}

	// Ask, sanitized; bad questions write nothing.
	var q qaQuestion
	r = app.Do(t, http.MethodPost, session+"/questions", ask.AccessToken, map[string]any{"body": "<b>When</b> is the tour?<script>x</script>"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &q)
	require.Equal(t, "When is the tour?", q.Body)
	require.Equal(t, q.ID, voterWS.AwaitIn("qa:question", room)["data"].(map[string]any)["id"])
	for _, body := range []any{"   ", "<p></p>", strings.Repeat("a", 1001), 42} {
		r := app.Do(t, http.MethodPost, session+"/questions", ask.AccessToken, map[string]any{"body": body})
		require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	}
	var other qaQuestion
	app.Do(t, http.MethodPost, session+"/questions", superfan.AccessToken, map[string]any{"body": "Vinyl?"}).Decode(t, &other)
	require.Len(t, testenv.Rows[models.QAQuestion](t, app.Platform.Store, "id", "session_id = ?", s.ID), 2)

	// One vote each.
	r = app.Do(t, http.MethodPost, session+"/questions/"+q.ID+"/votes", voter.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	vote := voterWS.AwaitIn("qa:vote", room)["data"].(map[string]any)
	require.Equal(t, map[string]any{"question_id": q.ID, "votes": 1.0}, vote)
	r = app.Do(t, http.MethodPost, session+"/questions/"+q.ID+"/votes", voter.AccessToken, nil)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, "conflict", r.ErrorCode(t))
	require.Len(t, testenv.Rows[models.QAVote](t, app.Platform.Store, "user_id", "question_id = ?", q.ID), 1)
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, session+"/questions/"+q.ID+"/votes", follower.AccessToken, nil).Status)

	// The artist answers; nobody else may.
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPut, session+"/questions/"+q.ID+"/answer", ask.AccessToken, map[string]any{"answer": "me"}).Status)
	r = app.Do(t, http.MethodPut, session+"/questions/"+q.ID+"/answer", artist.AccessToken, map[string]any{"answer": "In <i>May</i>."})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "In May.", voterWS.AwaitIn("qa:answer", room)["data"].(map[string]any)["answer"])

	var got qaSession
	app.Do(t, http.MethodGet, session, voter.AccessToken, nil).Decode(t, &got)
	require.Len(t, got.Questions, 2)
	require.Equal(t, []string{q.ID, other.ID}, []string{got.Questions[0].ID, got.Questions[1].ID}, "most votes first")
	require.Equal(t, "In May.", *got.Questions[0].Answer)
	require.Nil(t, got.Questions[1].Answer)

	// A supporter who cancels is taken out of the open session's room when
	// the cancel takes effect.
	leaving := c.member(t, "Max", models.TierSupporter)
	leavingWS := app.Dial(t, leaving.AccessToken)
	require.Equal(t, true, leavingWS.Request("join_room", room, nil)["ok"])
	sub, err := app.Platform.Store.Membership(ctx, artistID, mustUUID(t, leaving.User.ID))
	require.NoError(t, err)
	sub.Status = models.StatusCanceled
	record := &activities.Membership{Store: app.Platform.Store, Rooms: app.Platform.Hub.Publisher, Now: time.Now}
	require.NoError(t, record.Record(ctx, *sub, 0, nil))
	left := leavingWS.Through(roomLeft(room))
	require.Equal(t, realtime.ReasonMembershipChanged, left[len(left)-1]["data"].(map[string]any)["reason"])
	requireOutOf(t, app, leavingWS, leaving.User.ID, room)

	// Close, twice: the askers are told once each.
	r = app.Do(t, http.MethodPost, session+"/close", artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "closed", voterWS.AwaitIn("qa:closed", room)["data"].(map[string]any)["status"])
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, session+"/close", artist.AccessToken, nil).Status)
	for who, body := range map[string]string{ask.User.ID: "1 of your 1 questions got an answer.", superfan.User.ID: "0 of your 1 questions got an answer."} {
		notes := testenv.Rows[models.Notification](t, app.Platform.Store, "id", "user_id = ? AND category = 'qa' AND broadcast_id IS NULL", who)
		require.Len(t, notes, 1, "told once")
		require.Equal(t, body, notes[0].Body)
	}
	require.Empty(t, testenv.Rows[models.Notification](t, app.Platform.Store, "id", "user_id = ? AND category = 'qa' AND broadcast_id IS NULL", voter.User.ID), "voters asked nothing")

	// A closed session takes nothing more.
	r = app.Do(t, http.MethodPost, session+"/questions", voter.AccessToken, map[string]any{"body": "Too late?"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, "conflict", r.ErrorCode(t))
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, session+"/questions/"+other.ID+"/votes", voter.AccessToken, nil).Status)
	require.Len(t, testenv.Rows[models.QAQuestion](t, app.Platform.Store, "id", "session_id = ?", s.ID), 2, "nothing written")
	require.Len(t, testenv.Rows[models.QAVote](t, app.Platform.Store, "user_id", "question_id = ?", other.ID), 0)

	var list struct{ Items []qaSession }
	app.Do(t, http.MethodGet, path+"/qa", superfan.AccessToken, nil).Decode(t, &list)
	require.Len(t, list.Items, 1)
	require.Equal(t, "closed", list.Items[0].Status)

	// Closing the club: no schedule, no new members, no session.
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodDelete, path+"/club", ask.AccessToken, nil).Status)
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, path+"/club", artist.AccessToken, nil).Status)
	_, err = sched.Describe(ctx)
	require.ErrorAs(t, err, new(*serviceerror.NotFound), "the schedule is gone")
	late := app.Register(t, "fan", "Late")
	r = app.Do(t, http.MethodPost, path+"/subscription", late.AccessToken, map[string]any{"tier": "supporter"})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, "conflict", r.ErrorCode(t))
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, path+"/subscription", late.AccessToken, nil).Status, "nothing half-written")
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodGet, path+"/subscription", ask.AccessToken, nil).Status, "members keep theirs")
	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, path+"/club", artist.AccessToken, nil).Status, "closing again is harmless")

	// A PUT opens it again, with its schedule.
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{"description": "back"}).Status)
	_, err = sched.Describe(ctx)
	require.NoError(t, err)
}
