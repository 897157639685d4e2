package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// A fan's DM to the artist and their reaction to the artist's message are
// engagement, written with the act: a reaction once per message (made
// twice, or taken back and made again, earns once); the artist's own
// sends and reactions are none.
func TestDirectMessagesRecordEngagement(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Ada", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	r := c.send(t, fan.AccessToken, conv.ID, "hello")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r = c.send(t, c.artist.AccessToken, conv.ID, "hi back")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var reply message
	r.Decode(t, &reply)
	for range 2 {
		require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/messages/"+reply.ID+"/reactions", fan.AccessToken, map[string]any{"emoji": "🔥"}).Status)
	}
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodDelete, "/api/messages/"+reply.ID+"/reactions?emoji=🔥", fan.AccessToken, nil).Status)
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/messages/"+reply.ID+"/reactions", fan.AccessToken, map[string]any{"emoji": "🔥"}).Status)
	require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPost, "/api/messages/"+reply.ID+"/reactions", c.artist.AccessToken, map[string]any{"emoji": "🔥"}).Status)

	totals, err := c.app.Platform.Store.EngagementTotals(t.Context(), mustUUID(t, fan.User.ID), mustUUID(t, c.artist.User.ID))
	require.NoError(t, err)
	require.Equal(t, map[models.Action]int64{models.ActionDM: 1, models.ActionDMReaction: 1}, totals,
		"a reaction taken back and made again earns nothing more")
}
