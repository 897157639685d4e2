package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

type partyChatLine struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	DisplayName string `json:"display_name"`
	Host        bool   `json:"host"`
	Body        string `json:"body"`
	ClientID    string `json:"client_id"`
}

type partyChatPage struct {
	Items           []partyChatLine `json:"items"`
	NextCursor      string          `json:"next_cursor"`
	SlowModeSeconds int             `json:"slow_mode_seconds"`
}

// ackField is the field an error ack names.
func ackField(ack map[string]any) string {
	e, _ := ack["error"].(map[string]any)
	field, _ := e["field"].(string)
	return field
}

// partyRoom is a public party with sockets of its artist and two fans in
// its room.
type partyRoom struct {
	app              *testenv.App
	artist, sam, ada testenv.Session
	id, room         string
	artistWS, samWS  *testenv.WS
	adaWS            *testenv.WS
}

func newPartyRoom(t *testing.T) *partyRoom {
	app := testenv.StartApp(t)
	r := &partyRoom{app: app, artist: app.Register(t, "artist", "Nova"), sam: app.Register(t, "fan", "Sam"), ada: app.Register(t, "fan", "Ada")}
	r.id = createParty(t, app, r.artist.AccessToken, nil).ID
	r.room = realtime.PartyRoom(r.id)
	r.artistWS, r.samWS, r.adaWS = app.Dial(t, r.artist.AccessToken), app.Dial(t, r.sam.AccessToken), app.Dial(t, r.ada.AccessToken)
	for _, ws := range []*testenv.WS{r.artistWS, r.samWS, r.adaWS} {
		require.Equal(t, true, ws.Request("join_room", r.room, nil)["ok"])
	}
	return r
}

func (r *partyRoom) chat(ws *testenv.WS, body string) map[string]any {
	return ws.Request("party:chat", "", map[string]any{"party_id": r.id, "body": body})
}

func (r *partyRoom) history(t *testing.T, token, query string) partyChatPage {
	t.Helper()
	res := r.app.Do(t, http.MethodGet, "/api/parties/"+r.id+"/messages"+query, token, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var p partyChatPage
	res.Decode(t, &p)
	return p
}

func (r *partyRoom) stored(t *testing.T) []models.PartyMessage {
	return testenv.Rows[models.PartyMessage](t, r.app.Platform.Store, "created_at", "party_id = ?", r.id)
}

// Chat over real sockets: a line is sanitized like a DM, stored, acked
// and fanned out with its sender's name; markup alone, blanks, oversized
// lines and a socket outside the room are refused with nothing stored;
// the history pages newest first, to whoever may see the party; a flood
// meets the chat rate class.
func TestPartyChatOverSockets(t *testing.T) {
	r := newPartyRoom(t)
	outsider := r.app.Register(t, "fan", "Out")
	outWS := r.app.Dial(t, outsider.AccessToken)
	require.Equal(t, "forbidden", testenv.ErrorCode(r.chat(outWS, "let me in")), "a socket outside the room")

	for body, field := range map[string]string{
		"<script>alert(1)</script>":   "body",
		"<p> </p>":                    "body",
		"   ":                         "body",
		"":                            "body",
		strings.Repeat("a", 501):      "body",
		strings.Repeat("<b>é</b>", 9): "",
	} {
		ack := r.chat(r.samWS, body)
		if field == "" {
			continue // fine: 9 characters once stripped; sent below
		}
		require.Equal(t, "invalid", testenv.ErrorCode(ack), "%q", body)
		require.Equal(t, field, ackField(ack), "%q", body)
	}
	require.Equal(t, "invalid", testenv.ErrorCode(r.samWS.Request("party:chat", "", map[string]any{"party_id": "nope", "body": "x"})))
	require.Len(t, r.stored(t), 1, "only the line of markup around text was stored")

	ack := r.samWS.Request("party:chat", "", map[string]any{"party_id": r.id, "body": "<img src=x onerror=alert(1)>Encore & more!", "client_id": "c-1"})
	sent := ackData(t, ack)
	require.Equal(t, "Encore &amp; more!", sent["body"], "tags stripped, the rest escaped")
	require.Equal(t, "c-1", sent["client_id"])
	var got map[string]any
	for got == nil || got["id"] != sent["id"] {
		got = r.adaWS.AwaitIn("party:chat", r.room)["data"].(map[string]any)
	}
	require.Equal(t, r.sam.User.ID, got["user_id"])
	require.Equal(t, "Sam", got["display_name"])
	require.NotContains(t, got, "client_id", "the sender's client_id is its own, not the room's")
	require.Equal(t, false, got["host"])
	require.NotEmpty(t, got["sent_at"])
	require.Equal(t, true, r.chat(r.artistWS, "Thanks for coming")["ok"])

	page := r.history(t, r.ada.AccessToken, "?limit=2")
	require.Len(t, page.Items, 2)
	require.Equal(t, "Thanks for coming", page.Items[0].Body, "newest first")
	require.True(t, page.Items[0].Host)
	require.Equal(t, "Encore &amp; more!", page.Items[1].Body)
	require.NotEmpty(t, page.NextCursor)
	rest := r.history(t, outsider.AccessToken, "?limit=2&cursor="+page.NextCursor)
	require.Len(t, rest.Items, 1, "a public party's chat is for whoever may see it")
	require.Empty(t, rest.NextCursor)
	require.Equal(t, http.StatusBadRequest, r.app.Do(t, http.MethodGet, "/api/parties/"+r.id+"/messages?cursor=bogus", r.ada.AccessToken, nil).Status)

	// A flood: the chat bucket holds 10 lines, then refuses.
	for i := range 25 {
		r.adaWS.Send(map[string]any{"type": "party:chat", "id": "flood-" + strconv.Itoa(i), "data": map[string]any{"party_id": r.id, "body": "spam " + strconv.Itoa(i)}})
	}
	limited := 0
	for i := range 25 {
		id := "flood-" + strconv.Itoa(i)
		if testenv.ErrorCode(r.adaWS.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == id })) == "rate_limited" {
			limited++
		}
	}
	require.Positive(t, limited, "a flood is rate-limited")
	require.Len(t, r.stored(t), 3+25-limited, "refused lines are not stored")
}

// A private party's chat is not found by whoever may not see the party.
func TestPartyChatPrivateHistory(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Sam")
	p := createParty(t, app, artist.AccessToken, map[string]any{"public": false})
	res := app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/messages", fan.AccessToken, nil)
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
	ws := app.Dial(t, fan.AccessToken)
	require.Equal(t, "not_found", testenv.ErrorCode(ws.Request("join_room", realtime.PartyRoom(p.ID), nil)))
	require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("party:chat", "", map[string]any{"party_id": p.ID, "body": "hi"})))
	res = app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/messages?code="+p.InviteCode, fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, res.Status, "with the invite code: %s", res.Body)
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPut, "/api/parties/"+p.ID+"/slow-mode", fan.AccessToken, map[string]any{"seconds": 5}).Status)
}

// Hosts moderate: a delete (REST or frame) by the artist or a co-host
// hides the line from the history and tells the room; a fan's is
// refused, another party's line is not found. Slow mode holds fans to
// one line per N seconds and not hosts.
func TestPartyChatModeration(t *testing.T) {
	r := newPartyRoom(t)
	co := r.app.Register(t, "fan", "Co")
	require.Equal(t, http.StatusOK, r.app.Do(t, http.MethodPost, "/api/parties/"+r.id+"/cohosts/"+co.User.ID, r.artist.AccessToken, nil).Status)
	coWS := r.app.Dial(t, co.AccessToken)
	require.Equal(t, true, coWS.Request("join_room", r.room, nil)["ok"])
	other := createParty(t, r.app, r.artist.AccessToken, nil)

	first := ackData(t, r.chat(r.samWS, "first"))["id"].(string)
	second := ackData(t, r.chat(r.samWS, "second"))["id"].(string)
	path := "/api/parties/" + r.id + "/messages/"
	res := r.app.Do(t, http.MethodDelete, path+first, r.ada.AccessToken, nil)
	require.Equal(t, http.StatusForbidden, res.Status, string(res.Body))
	require.Equal(t, "forbidden", testenv.ErrorCode(r.adaWS.Request("party:chat_delete", "", map[string]any{"party_id": r.id, "message_id": first})))
	require.Equal(t, http.StatusNotFound, r.app.Do(t, http.MethodDelete, "/api/parties/"+other.ID+"/messages/"+first, r.artist.AccessToken, nil).Status, "another party's line")

	require.Equal(t, http.StatusNoContent, r.app.Do(t, http.MethodDelete, path+first, r.artist.AccessToken, nil).Status)
	deleted := r.adaWS.AwaitIn("party:chat_deleted", r.room)["data"].(map[string]any)
	require.Equal(t, first, deleted["id"])
	require.Equal(t, r.artist.User.ID, deleted["deleted_by"])
	require.Equal(t, http.StatusNotFound, r.app.Do(t, http.MethodDelete, path+first, r.artist.AccessToken, nil).Status, "deleted once")
	ack := coWS.Request("party:chat_delete", "", map[string]any{"party_id": r.id, "message_id": second})
	require.Equal(t, second, ackData(t, ack)["id"], "a co-host deletes too")
	page := r.history(t, r.ada.AccessToken, "")
	require.Empty(t, page.Items, "deleted lines leave the history")
	require.Len(t, r.stored(t), 2, "the rows stay for the moderators")

	slow := "/api/parties/" + r.id + "/slow-mode"
	require.Equal(t, http.StatusForbidden, r.app.Do(t, http.MethodPut, slow, r.sam.AccessToken, map[string]any{"seconds": 30}).Status)
	require.Equal(t, "forbidden", testenv.ErrorCode(r.samWS.Request("party:slow_mode", "", map[string]any{"party_id": r.id, "seconds": 0})))
	for _, bad := range []map[string]any{{"seconds": 301}, {"seconds": -1}, {}} {
		requireField(t, r.app.Do(t, http.MethodPut, slow, r.artist.AccessToken, bad), "seconds")
	}
	res = r.app.Do(t, http.MethodPut, slow, r.artist.AccessToken, map[string]any{"seconds": 30})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.EqualValues(t, 30, r.samWS.AwaitIn("party:slow_mode", r.room)["data"].(map[string]any)["seconds"])
	require.Equal(t, 30, r.history(t, r.sam.AccessToken, "").SlowModeSeconds)

	require.Equal(t, true, r.chat(r.samWS, "one")["ok"])
	ack = r.chat(r.samWS, "two")
	require.Equal(t, "rate_limited", testenv.ErrorCode(ack), "slow mode: %v", ack)
	require.Equal(t, true, r.chat(r.adaWS, "mine")["ok"], "slow mode counts per fan")
	for _, ws := range []*testenv.WS{r.artistWS, r.artistWS, coWS, coWS} {
		require.Equal(t, true, r.chat(ws, "hosts are exempt")["ok"])
	}
	require.Equal(t, true, ackData(t, coWS.Request("party:slow_mode", "", map[string]any{"party_id": r.id, "seconds": 0}))["seconds"] == float64(0))
	require.Equal(t, true, r.chat(r.samWS, "free again")["ok"], "slow mode off")
}

// Reports land in the DM reports' queue, once per reporter and line; a
// cancelled party's chat takes no more lines.
func TestPartyChatReports(t *testing.T) {
	r := newPartyRoom(t)
	line := ackData(t, r.chat(r.samWS, "buy followers at spam.example"))["id"].(string)
	path := "/api/parties/" + r.id + "/messages/" + line + "/report"
	requireField(t, r.app.Do(t, http.MethodPost, path, r.ada.AccessToken, map[string]any{"reason": ""}), "reason")
	require.Equal(t, http.StatusBadRequest, r.app.Do(t, http.MethodPost, path, r.sam.AccessToken, map[string]any{"reason": "my own"}).Status)
	res := r.app.Do(t, http.MethodPost, path, r.ada.AccessToken, map[string]any{"reason": "<b>spam</b>"})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var report struct{ ID, Status string }
	res.Decode(t, &report)
	require.Equal(t, "open", report.Status)
	res = r.app.Do(t, http.MethodPost, path, r.ada.AccessToken, map[string]any{"reason": "spam again"})
	require.Equal(t, http.StatusConflict, res.Status, string(res.Body))

	queue := testenv.Rows[models.MessageReport](t, r.app.Platform.Store, "created_at", "status = ?", "open")
	require.Len(t, queue, 1)
	require.Equal(t, report.ID, queue[0].ID.String())
	require.Equal(t, line, queue[0].PartyMessageID.String())
	require.Nil(t, queue[0].MessageID)
	require.Equal(t, "spam", queue[0].Reason, "the reason is stripped of tags")

	other := createParty(t, r.app, r.artist.AccessToken, nil)
	require.Equal(t, http.StatusNotFound, r.app.Do(t, http.MethodPost, "/api/parties/"+other.ID+"/messages/"+line+"/report", r.artist.AccessToken, map[string]any{"reason": "spam"}).Status)
	require.Equal(t, http.StatusNoContent, r.app.Do(t, http.MethodDelete, "/api/parties/"+r.id+"/messages/"+line, r.artist.AccessToken, nil).Status)
	require.Equal(t, http.StatusNotFound, r.app.Do(t, http.MethodPost, path, r.artist.AccessToken, map[string]any{"reason": "spam"}).Status, "a deleted line")

	require.Equal(t, http.StatusNoContent, r.app.Do(t, http.MethodDelete, "/api/parties/"+r.id, r.artist.AccessToken, nil).Status)
	left := r.samWS.AwaitIn("room_left", "party:"+r.id)
	require.Equal(t, "ended", left["data"].(map[string]any)["reason"], "a cancelled party's listeners leave its room")
	require.Equal(t, "forbidden", testenv.ErrorCode(r.chat(r.samWS, "still here?")), "so its chat is closed to them")
	require.Equal(t, "conflict", testenv.ErrorCode(r.artistWS.Request("party:slow_mode", "", map[string]any{"party_id": r.id, "seconds": 5})))
	require.Len(t, r.history(t, r.ada.AccessToken, "").Items, 0, "its history is still readable")
}
