package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A party's workflow starts with it: its hosts steer the playback (a
// co-host once added), a fan is refused, a seek outside the track and an
// unknown action are 400, a party not yet live is a conflict, and a
// cancel stops the workflow and the row.
func TestPartyPlaybackRoute(t *testing.T) {
	app := testenv.StartApp(t)
	artist := app.Register(t, "artist", "Host")
	fan := app.Register(t, "fan", "Fan")
	co := app.Register(t, "fan", "Co")
	expect := func(status int, r testenv.Response) testenv.Response {
		t.Helper()
		require.Equal(t, status, r.Status, string(r.Body))
		return r
	}
	p := createParty(t, app, artist.AccessToken, nil)
	require.Eventually(t, func() bool {
		r, err := app.Call(http.MethodGet, "/api/parties/"+p.ID, artist.AccessToken, nil)
		var got partyItem
		return err == nil && json.Unmarshal(r.Body, &got) == nil && got.Status == "live"
	}, time.Minute, 50*time.Millisecond, "the workflow took the party live")

	playback := func(token string, body map[string]any) testenv.Response {
		return app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/playback", token, body)
	}
	var pb models.PartyPlayback
	expect(http.StatusOK, playback(artist.AccessToken, map[string]any{"action": "pause"})).Decode(t, &pb)
	require.False(t, pb.Playing)
	expect(http.StatusOK, playback(artist.AccessToken, map[string]any{"action": "seek", "position_ms": 100000})).Decode(t, &pb)
	require.Equal(t, int64(100000), pb.PositionMs)
	require.Equal(t, int64(3), pb.Version)

	expect(http.StatusForbidden, playback(fan.AccessToken, map[string]any{"action": "play"}))
	requireField(t, playback(artist.AccessToken, map[string]any{"action": "seek", "position_ms": 200001}), "position_ms")
	requireField(t, playback(artist.AccessToken, map[string]any{"action": "rewind"}), "action")

	expect(http.StatusOK, app.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/cohosts/"+co.User.ID, artist.AccessToken, nil))
	expect(http.StatusOK, playback(co.AccessToken, map[string]any{"action": "play"})).Decode(t, &pb)
	require.True(t, pb.Playing, "the workflow knows the new co-host")
	require.Equal(t, int64(4), pb.Version, "refusals changed nothing")

	later := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": time.Now().Add(time.Hour)})
	expect(http.StatusConflict, app.Do(t, http.MethodPost, "/api/parties/"+later.ID+"/playback", artist.AccessToken, map[string]any{"action": "play"}))

	expect(http.StatusNoContent, app.Do(t, http.MethodDelete, "/api/parties/"+p.ID, artist.AccessToken, nil))
	expect(http.StatusConflict, playback(artist.AccessToken, map[string]any{"action": "play"}))
	var end struct{ Status models.PartyStatus }
	require.NoError(t, app.Platform.Temporal.GetWorkflow(t.Context(), "party/"+p.ID, "").Get(t.Context(), &end))
	require.Equal(t, models.PartyCancelled, end.Status)
}

// With Temporal down, a party cannot be created: 503, and no row is left
// behind (its workflow would never run it); with Temporal back it can.
func TestPartyCreateWithTemporalDownWritesNothing(t *testing.T) {
	temporal := testenv.StartTemporal(t)
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.TemporalAddress = temporal.Address }))
	artist := app.Register(t, "artist", "Nova")
	create := func() testenv.Response {
		return app.Do(t, http.MethodPost, "/api/parties", artist.AccessToken, partyBody(nil))
	}

	temporal.Stop()
	requireUnavailable(t, create)
	var list partyList
	r := app.Do(t, http.MethodGet, "/api/parties?artist_id="+artist.User.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &list)
	require.Empty(t, list.Items, "the row went with the refusal")

	temporal.Start()
	requireRecovers(t, http.StatusCreated, create)
}
