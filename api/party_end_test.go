package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/testenv"
)

// A party that ends (its host's end) or is cancelled takes its listeners
// out of its room on the way (room_left, reason ended), which gives back
// their seats; the join's ack carried the party's playback as the last
// party:sync told it.
func TestPartyOverEmptiesItsRoom(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	fan := c.member(t, "Fan", "")

	ended := livePartyOf(t, app, artist.AccessToken, 60_000)
	ws := app.Dial(t, fan.AccessToken)
	pb := ackData(t, partyJoin(ws, ended.ID, ""))["playback"].(map[string]any)
	require.Equal(t, true, pb["playing"], "the join's ack has the live playback")
	require.Equal(t, float64(1), pb["rate"])
	require.NotZero(t, pb["server_ms"], "with the clock it holds at")
	r := app.Do(t, http.MethodPost, "/api/parties/"+ended.ID+"/playback", artist.AccessToken, map[string]any{"action": "end"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	left := ws.AwaitIn("room_left", "party:"+ended.ID)
	require.Equal(t, "ended", left["data"].(map[string]any)["reason"])
	assert.EventuallyWithT(t, func(ct *assert.CollectT) { seatedIs(ct, app, fan.AccessToken, ended.ID, 0) },
		10*time.Second, 50*time.Millisecond, "the seat came back")

	cancelled := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(time.Hour)})
	ackData(t, partyJoin(ws, cancelled.ID, ""))
	r = app.Do(t, http.MethodDelete, "/api/parties/"+cancelled.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	left = ws.AwaitIn("room_left", "party:"+cancelled.ID)
	require.Equal(t, "ended", left["data"].(map[string]any)["reason"])
	require.Equal(t, "conflict", testenv.ErrorCode(partyJoin(ws, cancelled.ID, "")), "nobody joins it again")
}
