package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
