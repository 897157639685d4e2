package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func roomLeft(room string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == "room_left" && f["room"] == room }
}

// requireOutOf checks that ws, told it left room, gets no more of room's
// events: an event of the room, then one of the user's own room; the
// second arrives, the first not.
func requireOutOf(t *testing.T, app *testenv.App, ws *testenv.WS, userID, room string) {
	t.Helper()
	ctx := context.Background()
	_, err := app.Platform.Hub.Publish(ctx, room, realtime.Event{Type: "probe", Data: map[string]string{}})
	require.NoError(t, err)
	_, err = app.Platform.Hub.Publish(ctx, realtime.UserRoom(userID), realtime.Event{Type: "sentinel", Data: map[string]string{}})
	require.NoError(t, err)
	for _, f := range ws.Through(func(f map[string]any) bool { return f["type"] == "sentinel" }) {
		require.NotEqual(t, room, f["room"], "an event of a room the socket was taken out of: %v", f)
	}
}

// Access that ends takes the user's sockets out of the room on every api
// instance: the change happens through instance one, the sockets are on
// instance two; they are told why and cannot join again.
func TestAccessThatEndsLeavesTheRoomOnEveryInstance(t *testing.T) {
	one := testenv.StartApp(t)
	two := testenv.StartApp(t, testenv.Alongside(one))
	c := &dmClub{app: one, artist: one.Register(t, "artist", "Nova")}
	ctx := context.Background()

	t.Run("a block", func(t *testing.T) {
		fan := c.member(t, "Kai", models.TierSuperfan)
		_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
		room := realtime.ConversationRoom(conv.ID)
		fanWS, artistWS := two.Dial(t, fan.AccessToken), two.Dial(t, c.artist.AccessToken)
		for _, ws := range []*testenv.WS{fanWS, artistWS} {
			require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
		}

		r := one.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, fan.AccessToken, map[string]any{"blocked": true})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		for who, ws := range map[string]*testenv.WS{fan.User.ID: fanWS, c.artist.User.ID: artistWS} {
			seen := ws.Through(roomLeft(room))
			left := seen[len(seen)-1]
			require.Equal(t, realtime.ReasonBlocked, left["data"].(map[string]any)["reason"])
			requireOutOf(t, one, ws, who, room)
			require.Equal(t, "forbidden", testenv.ErrorCode(ws.Request("join_room", room, nil)))
		}
	})

	t.Run("a live session that ends", func(t *testing.T) {
		fan := c.member(t, "Lee", models.TierSuperfan)
		path := "/api/artists/" + c.artist.User.ID + "/live"
		r := one.Do(t, http.MethodPost, path, c.artist.AccessToken, map[string]any{"title": "Live", "stream_url": "https://twitch.tv/nova"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var live struct{ ID string }
		r.Decode(t, &live)
		room := realtime.LiveRoom(live.ID)
		fanWS, artistWS := two.Dial(t, fan.AccessToken), two.Dial(t, c.artist.AccessToken)
		for _, ws := range []*testenv.WS{fanWS, artistWS} {
			require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
		}

		r = one.Do(t, http.MethodDelete, path, c.artist.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		for who, ws := range map[string]*testenv.WS{fan.User.ID: fanWS, c.artist.User.ID: artistWS} {
			seen := ws.Through(roomLeft(room))
			require.True(t, slices.ContainsFunc(seen, func(f map[string]any) bool { return f["type"] == "live:ended" }), "told the session ended before leaving")
			require.Equal(t, realtime.ReasonEnded, seen[len(seen)-1]["data"].(map[string]any)["reason"])
			requireOutOf(t, one, ws, who, room)
			require.Equal(t, "conflict", testenv.ErrorCode(ws.Request("join_room", room, nil)))
		}
	})

	for name, change := range map[string]func(*models.Subscription){
		"a downgrade that takes effect": func(s *models.Subscription) { s.Tier = models.TierSupporter },
		"a cancel that takes effect":    func(s *models.Subscription) { s.Status = models.StatusCanceled },
	} {
		t.Run(name, func(t *testing.T) {
			fan := c.member(t, "Sam", models.TierSuperfan)
			room := realtime.BackstageRoom(c.artist.User.ID)
			fanWS, artistWS := two.Dial(t, fan.AccessToken), two.Dial(t, c.artist.AccessToken)
			for _, ws := range []*testenv.WS{fanWS, artistWS} {
				require.Equal(t, true, ws.Request("join_room", room, nil)["ok"])
			}

			// What the membership workflow records when the change takes
			// effect, through the worker of instance one.
			sub, err := one.Platform.Store.Membership(ctx, mustUUID(t, c.artist.User.ID), mustUUID(t, fan.User.ID))
			require.NoError(t, err)
			change(sub)
			record := &activities.Membership{Store: one.Platform.Store, Rooms: one.Platform.Hub.Publisher, Now: time.Now}
			require.NoError(t, record.Record(ctx, *sub, 0, nil))

			seen := fanWS.Through(roomLeft(room))
			left := seen[len(seen)-1]
			require.Equal(t, realtime.ReasonMembershipChanged, left["data"].(map[string]any)["reason"])
			requireOutOf(t, one, fanWS, fan.User.ID, room)
			require.Equal(t, "forbidden", testenv.ErrorCode(fanWS.Request("join_room", room, nil)))

			// The artist, who keeps access, stays.
			_, err = one.Platform.Hub.Publish(ctx, room, realtime.Event{Type: "still-here", Data: map[string]string{}})
			require.NoError(t, err)
			for _, f := range artistWS.Through(func(f map[string]any) bool { return f["type"] == "still-here" }) {
				require.NotEqual(t, "room_left", f["type"])
			}
		})
	}
}

// A muted conversation still delivers its events to the member's sockets,
// but a member who is offline is not notified (no in-app row, so no email
// or push from the inbox either).
func TestMutedConversationGetsTheEventNotANotification(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	room := realtime.ConversationRoom(conv.ID)
	mute := func(on bool) {
		r := c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, c.artist.AccessToken, map[string]any{"muted": on})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	mute(true)

	artistWS := c.app.Dial(t, c.artist.AccessToken)
	require.Equal(t, true, artistWS.Request("join_room", room, nil)["ok"])
	r := c.send(t, fan.AccessToken, conv.ID, "you muted me")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, "you muted me", artistWS.AwaitIn("message:new", room)["data"].(map[string]any)["body"])

	require.NoError(t, artistWS.Conn.Close())
	require.Eventually(t, func() bool {
		var p struct{ Online map[string]bool }
		c.app.Do(t, http.MethodGet, "/api/presence?users="+c.artist.User.ID, fan.AccessToken, nil).Decode(t, &p)
		return !p.Online[c.artist.User.ID]
	}, 5*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusCreated, c.send(t, fan.AccessToken, conv.ID, "while muted and away").Status)

	// The sentinel: unmuted, the next message notifies. Had the muted one
	// notified, it would be that notification (one per conversation).
	mute(false)
	r = c.send(t, fan.AccessToken, conv.ID, "unmuted")
	require.Equal(t, http.StatusCreated, r.Status)
	var sentinel message
	r.Decode(t, &sentinel)
	var inbox struct{ Items []models.NotificationView }
	require.Eventually(t, func() bool {
		c.app.Do(t, http.MethodGet, "/api/notifications?limit=100", c.artist.AccessToken, nil).Decode(t, &inbox)
		for _, n := range inbox.Items {
			if n.Category == "message" {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond)
	var notified []string
	for _, n := range inbox.Items {
		if n.Category == "message" {
			var d struct {
				MessageID string `json:"message_id"`
			}
			require.NoError(t, json.Unmarshal(n.Data, &d))
			notified = append(notified, d.MessageID)
		}
	}
	require.Equal(t, []string{sentinel.ID}, notified)
}

// A user's online and offline reach their contacts (conversation partners)
// in their own user rooms.
func TestPresenceReachesContacts(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Kai", models.TierSuperfan)
	status, _ := c.open(t, fan.AccessToken, c.artist.User.ID)
	require.Equal(t, http.StatusCreated, status)
	artistWS := c.app.Dial(t, c.artist.AccessToken)
	presence := func(status string) func(map[string]any) bool {
		return func(f map[string]any) bool {
			d, _ := f["data"].(map[string]any)
			return f["type"] == "presence" && f["room"] == realtime.UserRoom(c.artist.User.ID) &&
				d["user_id"] == fan.User.ID && d["status"] == status
		}
	}

	fanWS := c.app.Dial(t, fan.AccessToken)
	artistWS.Next(presence("online"))
	require.NoError(t, fanWS.Conn.Close())
	artistWS.Next(presence("offline"))
}

// GET /api/presence answers as the sockets tell it: a contact's presence
// (a conversation partner, neither blocking) and one's own; anyone else
// reads as offline, however online.
func TestPresenceLookupIsForContacts(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Kai", models.TierSuperfan)
	stranger := c.app.Register(t, "fan", "Flo")
	status, _ := c.open(t, fan.AccessToken, c.artist.User.ID)
	require.Equal(t, http.StatusCreated, status)
	c.app.Dial(t, c.artist.AccessToken)
	online := func(token string) (bool, error) {
		var p struct{ Online map[string]bool }
		err := c.app.Fetch(http.MethodGet, "/api/presence?users="+c.artist.User.ID, token, nil, &p)
		return p.Online[c.artist.User.ID], err
	}
	require.Eventually(t, func() bool { on, err := online(fan.AccessToken); return err == nil && on }, 5*time.Second, 50*time.Millisecond, "a contact sees it")
	for token, want := range map[string]bool{c.artist.AccessToken: true, stranger.AccessToken: false} {
		on, err := online(token)
		require.NoError(t, err)
		require.Equal(t, want, on, "one's own, but no stranger's")
	}
}
