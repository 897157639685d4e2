package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/testenv"
)

// The artist's studio over two api instances on Redis: acts on either
// instance (a follow, a play, a party reaction, a fan in a party room)
// reach the artist's sockets on both as engagement:tick, each count in
// exactly one tick, at most one tick an interval whichever instances
// hold studio sockets; the studio is the artist's own.
func TestStudioTicksAcrossInstances(t *testing.T) {
	one := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(one))
	c := &dmClub{app: one, artist: one.Register(t, "artist", "Nova")}
	artist := c.artist
	room := "studio:" + artist.User.ID
	fan, other := c.member(t, "Ada", ""), two.Register(t, "artist", "Other")

	for _, who := range []testenv.Session{fan, other} {
		ws := two.Dial(t, who.AccessToken)
		require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("join_room", room, nil)), "the studio is the artist's own")
	}
	studios := []*testenv.WS{one.Dial(t, artist.AccessToken), two.Dial(t, artist.AccessToken)}
	for _, ws := range studios {
		require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
	}

	p := createParty(t, one, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(time.Hour)})
	listener := two.Dial(t, fan.AccessToken)
	ackData(t, partyJoin(listener, p.ID, ""))
	require.Equal(t, http.StatusOK, two.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", fan.AccessToken, nil).Status)
	require.Equal(t, http.StatusOK, one.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/follow", fan.AccessToken, nil).Status, "a second follow is no new follower")
	track := one.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/content", artist.AccessToken, map[string]any{"kind": "track", "title": "B-side", "duration_seconds": 200})
	require.Equal(t, http.StatusCreated, track.Status, string(track.Body))
	var item contentItem
	track.Decode(t, &item)
	require.Equal(t, http.StatusCreated, one.Do(t, http.MethodPost, "/api/content/"+item.ID+"/plays", fan.AccessToken, map[string]any{"position_seconds": 10, "seconds_listened": 10}).Status)
	for range 3 {
		require.Equal(t, true, listener.Request("party:reaction", "", map[string]any{"party_id": p.ID, "emoji": "🔥"})["ok"])
	}

	// Sum each studio socket's ticks until it has seen every act; both see
	// the same ticks, none twice within an interval.
	want := map[string]float64{"new_followers": 1, "plays": 1, "reactions": 3}
	for _, ws := range studios {
		got := map[string]float64{}
		var ats []time.Time
		for got["new_followers"] < 1 || got["plays"] < 1 || got["reactions"] < 3 {
			tick := ws.AwaitIn("engagement:tick", room)["data"].(map[string]any)
			for k := range want {
				got[k] += tick[k].(float64)
			}
			require.Equal(t, float64(1), tick["listeners_now"], "Ada is in the party's room")
			at, err := time.Parse(time.RFC3339Nano, tick["at"].(string))
			require.NoError(t, err)
			ats = append(ats, at)
		}
		require.Equal(t, want, got, "every act in exactly one tick")
		for i := 1; i < len(ats); i++ {
			require.GreaterOrEqual(t, ats[i].Sub(ats[i-1]), 900*time.Millisecond, "one tick an interval across instances")
		}
	}
	totals, err := one.Platform.Store.EngagementTotals(t.Context(), mustUUID(t, fan.User.ID), mustUUID(t, artist.User.ID))
	require.NoError(t, err)
	require.Equal(t, int64(3), totals["reaction"], "each fan's taps are their engagement")
	require.Equal(t, int64(10), totals["play"])
}
