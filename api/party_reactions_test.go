package api_test

import (
	"fmt"
	"github.com/google/uuid"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// 200 taps from 10 sockets reach a listener as a handful of aggregates
// summing to 200, never one event per tap, and the party's total in
// Redis counts them; an emoji off the list and a socket outside the room
// are refused.
func TestPartyReactionsAggregate(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Nova")
	p := createParty(t, app, artist.AccessToken, nil)
	room := realtime.PartyRoom(p.ID)
	listener := app.Dial(t, artist.AccessToken)
	require.Equal(t, true, listener.Request("join_room", room, nil)["ok"])

	outsider := app.Dial(t, app.Register(t, "fan", "Out").AccessToken)
	require.Equal(t, "forbidden", testenv.ErrorCode(outsider.Request("party:reaction", "", map[string]any{"party_id": p.ID, "emoji": "🔥"})))

	emoji := []string{"🔥", "❤️", "👏", "🎉"}
	var fans []*testenv.WS
	for i := range 10 {
		ws := app.Dial(t, app.Register(t, "fan", fmt.Sprintf("Fan %d", i)).AccessToken)
		require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
		fans = append(fans, ws)
	}
	for _, bad := range []string{"💩", "", "<b>", "🔥🔥"} { // checked before the room, on a socket of its own: taps share one bucket
		ack := outsider.Request("party:reaction", "", map[string]any{"party_id": p.ID, "emoji": bad})
		require.Equal(t, "invalid", testenv.ErrorCode(ack), "%q", bad)
		require.Equal(t, "emoji", ackField(ack), "%q", bad)
	}
	for i, ws := range fans {
		for j := range 20 {
			ws.Send(map[string]any{"type": "party:reaction", "id": "r" + strconv.Itoa(j), "data": map[string]any{"party_id": p.ID, "emoji": emoji[(i+j)%len(emoji)]}})
		}
	}
	for _, ws := range fans {
		for j := range 20 {
			id := "r" + strconv.Itoa(j)
			require.Equal(t, true, ws.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == id })["ok"], "tap %d", j)
		}
	}

	total, events := map[string]int{}, 0
	for sum := 0; sum < 200; {
		data := listener.AwaitIn("party:reactions", room)["data"].(map[string]any)
		events++
		require.EqualValues(t, 250, data["window_ms"])
		require.Equal(t, p.ID, data["party_id"])
		for e, n := range data["counts"].(map[string]any) {
			total[e] += int(n.(float64))
			sum += int(n.(float64))
		}
	}
	require.Equal(t, map[string]int{"🔥": 50, "❤️": 50, "👏": 50, "🎉": 50}, total)
	require.Less(t, events, 50, "aggregates, not one event per tap")

	partyID := uuid.MustParse(p.ID)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		row, err := app.Platform.Store.Party(t.Context(), partyID)
		assert.NoError(c, err)
		assert.EqualValues(c, 200, row.Reactions)
	}, 10*time.Second, 50*time.Millisecond, "the party's total in its stats")
}
