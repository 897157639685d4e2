package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A party's room has one name however its id is spelt: an alias takes the
// same seat, leaving by an alias frees it, and a kick reaches a socket
// that joined by one (issue 18: a capacity-1 party once seated two).
func TestPartyRoomAliasesAreOneRoom(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	a, b := c.member(t, "A", ""), c.member(t, "B", "")
	p := createParty(t, app, artist.AccessToken, map[string]any{"capacity": 1, "scheduled_at": time.Now().Add(time.Hour)})
	room, dashless := "party:"+p.ID, strings.ReplaceAll(p.ID, "-", "")

	aws, bws := app.Dial(t, a.AccessToken), app.Dial(t, b.AccessToken)
	require.Equal(t, room, ackData(t, aws.Request("join_room", "party:"+strings.ToUpper(p.ID), nil))["room"])
	for _, alias := range []string{"{" + p.ID + "}", "urn:uuid:" + p.ID, dashless, strings.ToUpper(dashless)} {
		require.Equal(t, "full", testenv.ErrorCode(bws.Request("join_room", "party:"+alias, nil)), alias)
	}
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(bws, p.ID, "")))

	require.Equal(t, true, aws.Request("leave_room", "party:"+dashless, nil)["ok"])
	require.Equal(t, room, ackData(t, bws.Request("join_room", "party:{"+p.ID+"}", nil))["room"], "leaving by an alias freed the one seat")
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(aws, p.ID, "")))

	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/kick/"+b.User.ID, artist.AccessToken, nil).Status)
	require.Equal(t, "kicked", bws.AwaitIn("room_left", room)["data"].(map[string]any)["reason"])
	require.Equal(t, "forbidden", testenv.ErrorCode(bws.Request("party:chat", "", map[string]any{"party_id": strings.ToUpper(p.ID), "body": "still here?"})))
}

// A party above the caller's tier is a teaser wherever it shows: in the
// list (signed out or in), in party:created and in the artist room's
// history that replays it. Only who may open it sees the description,
// the playlist and the co-hosts.
func TestTierLockedPartyIsATeaserEverywhere(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	follower, superfan := c.member(t, "Follower", ""), c.member(t, "Superfan", models.TierSuperfan)
	cohost := c.member(t, "Cohost", "")
	room := realtime.ArtistRoom(artist.User.ID)
	watch := app.Dial(t, follower.AccessToken)
	ackData(t, watch.Request("join_room", room, nil))

	p := createParty(t, app, artist.AccessToken, map[string]any{"min_tier": "superfan", "description": "the secret setlist",
		"scheduled_at": time.Now().Add(time.Hour)})
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/cohosts/"+cohost.User.ID, artist.AccessToken, nil).Status)

	teaser := func(t *testing.T, v map[string]any) {
		t.Helper()
		require.Equal(t, p.ID, v["id"])
		require.Equal(t, true, v["locked"], "%v", v)
		require.Equal(t, "superfan", v["min_tier"])
		require.Empty(t, v["description"])
		require.Empty(t, v["playlist"])
		require.Empty(t, v["co_hosts"])
		require.NotContains(t, v, "invite_code")
		require.NotContains(t, fmt.Sprint(v), "dQw4w9WgXcQ")
	}
	listed := func(t *testing.T, token string) map[string]any {
		t.Helper()
		var page struct{ Items []map[string]any }
		r := app.Do(t, http.MethodGet, "/api/parties?artist_id="+artist.User.ID, token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.Decode(t, &page)
		require.Len(t, page.Items, 1)
		return page.Items[0]
	}
	teaser(t, listed(t, ""))
	teaser(t, listed(t, follower.AccessToken))
	teaser(t, watch.AwaitIn("party:created", room)["data"].(map[string]any))
	epoch := ackData(t, app.Dial(t, follower.AccessToken).Request("join_room", room, nil))["epoch"]
	replay := ackData(t, app.Dial(t, follower.AccessToken).Request("join_room", room, map[string]any{"seq": 0, "epoch": epoch}))
	var replayed int
	for _, e := range replay["events"].([]any) {
		if e := e.(map[string]any); e["type"] == "party:created" {
			teaser(t, e["data"].(map[string]any))
			replayed++
		}
	}
	require.Equal(t, 1, replayed, "the history replays the teaser")

	for name, token := range map[string]string{"superfan": superfan.AccessToken, "co-host": cohost.AccessToken, "artist": artist.AccessToken} {
		whole := listed(t, token)
		require.Equal(t, false, whole["locked"], name)
		require.Equal(t, "the secret setlist", whole["description"], name)
		require.Len(t, whole["playlist"], 1, name)
		require.Equal(t, []any{cohost.User.ID}, whole["co_hosts"], name)
	}
	ackData(t, partyJoin(app.Dial(t, cohost.AccessToken), p.ID, ""))
}

// When a party's access narrows, whoever lost it leaves its room on every
// instance with room_left and a reason, and cannot come back; who keeps
// it stays (issue 18: only a fresh join used to be refused).
func TestPartyAccessThatNarrowsLeavesTheRoom(t *testing.T) {
	one := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(one))
	c := &dmClub{app: one, artist: one.Register(t, "artist", "Nova")}
	artist := c.artist
	later := time.Now().Add(time.Hour)
	patch := func(t *testing.T, path string, body map[string]any) {
		t.Helper()
		r := one.Do(t, http.MethodPatch, path, artist.AccessToken, body)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	// in seats the sockets in the party's room on instance two.
	in := func(t *testing.T, p partyItem, code string, who ...testenv.Session) []*testenv.WS {
		t.Helper()
		var out []*testenv.WS
		for _, s := range who {
			ws := two.Dial(t, s.AccessToken)
			ackData(t, partyJoin(ws, p.ID, code))
			out = append(out, ws)
		}
		return out
	}
	out := func(t *testing.T, ws *testenv.WS, who testenv.Session, p partyItem, reason, code string) {
		t.Helper()
		room := realtime.PartyRoom(p.ID)
		seen := ws.Through(roomLeft(room))
		require.Equal(t, reason, seen[len(seen)-1]["data"].(map[string]any)["reason"])
		requireOutOf(t, one, ws, who.User.ID, room)
		require.NotEqual(t, true, partyJoin(ws, p.ID, code)["ok"], "no way back in")
	}
	stays := func(t *testing.T, ws *testenv.WS, p partyItem) {
		t.Helper()
		ack := ws.Request("party:chat", "", map[string]any{"party_id": p.ID, "body": "still here"})
		require.Equal(t, true, ack["ok"], "%v", ack)
	}

	t.Run("a higher tier", func(t *testing.T) {
		follower, superfan := c.member(t, "Follower", ""), c.member(t, "Superfan", models.TierSuperfan)
		p := createParty(t, one, artist.AccessToken, map[string]any{"scheduled_at": later})
		ws := in(t, p, "", follower, superfan)
		patch(t, "/api/parties/"+p.ID, map[string]any{"min_tier": "superfan"})
		out(t, ws[0], follower, p, realtime.ReasonAccessChanged, "")
		stays(t, ws[1], p)
	})
	t.Run("made private", func(t *testing.T) {
		fan := c.member(t, "Fan", "")
		p := createParty(t, one, artist.AccessToken, map[string]any{"scheduled_at": later})
		ws := in(t, p, "", fan, artist)
		patch(t, "/api/parties/"+p.ID, map[string]any{"public": false})
		out(t, ws[0], fan, p, realtime.ReasonAccessChanged, "")
		stays(t, ws[1], p)
	})
	t.Run("a co-host removed from a private party", func(t *testing.T) {
		cohost := c.member(t, "Cohost", "")
		p := createParty(t, one, artist.AccessToken, map[string]any{"public": false, "scheduled_at": later})
		require.Equal(t, http.StatusOK, one.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/cohosts/"+cohost.User.ID, artist.AccessToken, nil).Status)
		ws := in(t, p, "", cohost)
		require.Equal(t, http.StatusOK, one.Do(t, http.MethodDelete, "/api/parties/"+p.ID+"/cohosts/"+cohost.User.ID, artist.AccessToken, nil).Status)
		out(t, ws[0], cohost, p, realtime.ReasonAccessChanged, "")
	})
	t.Run("the artist blocks a fan", func(t *testing.T) {
		fan, other := c.member(t, "Blocked", models.TierSuperfan), c.member(t, "Other", "")
		_, conv := c.open(t, fan.AccessToken, artist.User.ID)
		p := createParty(t, one, artist.AccessToken, map[string]any{"scheduled_at": later})
		ws := in(t, p, "", fan, other)
		patch(t, "/api/messages/conversations/"+conv.ID, map[string]any{"blocked": true})
		out(t, ws[0], fan, p, realtime.ReasonBlocked, "")
		stays(t, ws[1], p)
	})
	t.Run("a cancel that takes effect", func(t *testing.T) {
		superfan := c.member(t, "Leaving", models.TierSuperfan)
		p := createParty(t, one, artist.AccessToken, map[string]any{"min_tier": "superfan", "scheduled_at": later})
		ws := in(t, p, "", superfan)
		sub, err := one.Platform.Store.Membership(t.Context(), mustUUID(t, artist.User.ID), mustUUID(t, superfan.User.ID))
		require.NoError(t, err)
		sub.Status = models.StatusCanceled
		record := &activities.Membership{Store: one.Platform.Store, Rooms: one.Platform.Hub.Publisher, Now: time.Now}
		require.NoError(t, record.Record(t.Context(), *sub, 0, nil))
		out(t, ws[0], superfan, p, realtime.ReasonMembershipChanged, "")
	})
}

// A new invite code ends what the old one let in: admissions by the code
// and RSVPs that came with it, on every socket; hosts and the guests a
// host accepted keep theirs. Hosts list and clear guests.
func TestRotatingTheInviteCodeEndsItsAdmissions(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	leaker, rsvper, accepted, stranger := c.member(t, "Leaker", ""), c.member(t, "Rsvper", ""), c.member(t, "Accepted", ""), c.member(t, "Stranger", "")
	cohost := c.member(t, "Cohost", "")
	p := createParty(t, app, artist.AccessToken, map[string]any{"public": false, "scheduled_at": time.Now().Add(time.Hour)})
	base := "/api/parties/" + p.ID
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, base+"/cohosts/"+cohost.User.ID, artist.AccessToken, nil).Status)
	old := p.InviteCode

	lws := app.Dial(t, leaker.AccessToken)
	ackData(t, partyJoin(lws, p.ID, old))
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, base+"/rsvp", rsvper.AccessToken, map[string]any{"code": old}).Status)
	r := app.Do(t, http.MethodPut, base+"/admissions/"+accepted.User.ID, cohost.AccessToken, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	aws := app.Dial(t, accepted.AccessToken)
	ackData(t, partyJoin(aws, p.ID, ""))

	type guest struct {
		UserID   string `json:"user_id"`
		Accepted bool   `json:"accepted"`
		RSVPed   bool   `json:"rsvped"`
	}
	guests := func(t *testing.T) map[string]guest {
		t.Helper()
		out, cursor := map[string]guest{}, ""
		for pages := 0; pages == 0 || cursor != ""; pages++ {
			var page struct {
				Items      []guest `json:"items"`
				NextCursor string  `json:"next_cursor"`
			}
			r := app.Do(t, http.MethodGet, base+"/admissions?limit=2&cursor="+cursor, artist.AccessToken, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r.Decode(t, &page)
			require.LessOrEqual(t, len(page.Items), 2)
			for _, g := range page.Items {
				out[g.UserID] = g
			}
			cursor = page.NextCursor
		}
		return out
	}
	require.Equal(t, map[string]guest{
		leaker.User.ID:   {UserID: leaker.User.ID},
		rsvper.User.ID:   {UserID: rsvper.User.ID, RSVPed: true},
		accepted.User.ID: {UserID: accepted.User.ID, Accepted: true},
	}, guests(t))

	t.Run("who may not", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, base+"/admissions", leaker.AccessToken, nil).Status, "a guest is no host")
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPut, base+"/admissions/"+stranger.User.ID, stranger.AccessToken, nil).Status)
		requireField(t, app.Do(t, http.MethodPut, base+"/admissions/"+cohost.User.ID, artist.AccessToken, nil), "userID")
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodPut, base+"/admissions/"+models.NewID().String(), artist.AccessToken, nil).Status, "not a user")
		requireField(t, app.Do(t, http.MethodGet, base+"/admissions?cursor=nope", artist.AccessToken, nil), "cursor")
	})

	var code struct {
		InviteCode string `json:"invite_code"`
	}
	r = app.Do(t, http.MethodPost, base+"/invite-code", artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &code)
	require.NotEqual(t, old, code.InviteCode)

	require.Equal(t, realtime.ReasonAccessChanged, lws.AwaitIn("room_left", realtime.PartyRoom(p.ID))["data"].(map[string]any)["reason"])
	for _, code := range []string{"", old} {
		require.Equal(t, "not_found", testenv.ErrorCode(partyJoin(lws, p.ID, code)), "the old code no longer admits")
	}
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodGet, base, rsvper.AccessToken, nil).Status, "an RSVP made with the old code is gone")
	require.Equal(t, map[string]guest{accepted.User.ID: {UserID: accepted.User.ID, Accepted: true}}, guests(t))
	ack := aws.Request("party:chat", "", map[string]any{"party_id": p.ID, "body": "still in"})
	require.Equal(t, true, ack["ok"], "the accepted guest stays: %v", ack)
	ackData(t, partyJoin(app.Dial(t, cohost.AccessToken), p.ID, ""))
	ackData(t, partyJoin(lws, p.ID, code.InviteCode))

	require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, base+"/admissions/"+accepted.User.ID, artist.AccessToken, nil).Status)
	require.Equal(t, realtime.ReasonAccessChanged, aws.AwaitIn("room_left", realtime.PartyRoom(p.ID))["data"].(map[string]any)["reason"])
	require.Equal(t, "not_found", testenv.ErrorCode(partyJoin(aws, p.ID, "")))
	require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodDelete, base+"/admissions/"+accepted.User.ID, artist.AccessToken, nil).Status)
}
