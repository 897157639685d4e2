package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
