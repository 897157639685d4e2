package api_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/loadtest"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// partyJoin sends party:join and returns its ack.
func partyJoin(ws *testenv.WS, partyID, code string) map[string]any {
	data := map[string]any{"party_id": partyID}
	if code != "" {
		data["code"] = code
	}
	return ws.Request("party:join", "", data)
}

// participantCount is GET /api/parties/:id's participant_count.
func participantCount(t *testing.T, app *testenv.App, token, partyID string) int {
	t.Helper()
	var v struct {
		ParticipantCount int `json:"participant_count"`
	}
	r := app.Do(t, http.MethodGet, "/api/parties/"+partyID, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &v)
	return v.ParticipantCount
}

// seatedIs asserts, without stopping the test (inside Eventually), that n
// users are seated in the party.
func seatedIs(ct *assert.CollectT, app *testenv.App, token, partyID string, n int) {
	var v struct {
		ParticipantCount int `json:"participant_count"`
	}
	if assert.NoError(ct, app.Fetch(http.MethodGet, "/api/parties/"+partyID, token, nil, &v)) {
		assert.Equal(ct, n, v.ParticipantCount)
	}
}

// rosterSignals are the roster batches the party's workflow got, from its
// history on the Temporal server.
func rosterSignals(ctx context.Context, app *testenv.App, partyID string) ([]models.PartyRoster, error) {
	it := app.Platform.Temporal.GetWorkflowHistory(ctx, workflows.PartyID(uuid.MustParse(partyID)), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []models.PartyRoster
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil && a.SignalName == workflows.SignalRoster {
			var b models.PartyRoster
			if err := converter.GetDefaultDataConverter().FromPayloads(a.Input, &b); err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// A party's seats are per user, hosts always get in, a seat comes back
// with the user's last socket; each stay is written with its times, hosts
// list who is in, and the arrivals and departures reach the party's
// workflow in batches.
func TestPartySeatsJoinLeaveAndRoster(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	a, b, f := c.member(t, "A", ""), c.member(t, "B", ""), c.member(t, "F", "")
	p := createParty(t, app, artist.AccessToken, map[string]any{"capacity": 2, "scheduled_at": time.Now().Add(time.Hour)})
	room := "party:" + p.ID

	a1, a2 := app.Dial(t, a.AccessToken), app.Dial(t, a.AccessToken)
	d := ackData(t, partyJoin(a1, p.ID, ""))
	require.Equal(t, room, d["room"])
	require.Equal(t, float64(1), d["participants"])
	require.Contains(t, d, "playback")
	require.Equal(t, float64(1), ackData(t, partyJoin(a2, p.ID, ""))["participants"], "a second tab takes no second seat")
	bws := app.Dial(t, b.AccessToken)
	require.Equal(t, float64(2), ackData(t, partyJoin(bws, p.ID, ""))["participants"])

	fws := app.Dial(t, f.AccessToken)
	full := partyJoin(fws, p.ID, "")
	require.Equal(t, false, full["ok"])
	require.Equal(t, "full", testenv.ErrorCode(full))
	full = fws.Request("join_room", room, nil)
	require.Equal(t, "full", testenv.ErrorCode(full), "join_room takes a seat too")
	require.Equal(t, 2, participantCount(t, app, f.AccessToken, p.ID))

	host := app.Dial(t, artist.AccessToken)
	require.Equal(t, float64(3), ackData(t, partyJoin(host, p.ID, ""))["participants"], "the host gets in when full")

	var listeners struct {
		Items []struct {
			UserID      string `json:"user_id"`
			DisplayName string `json:"display_name"`
		} `json:"items"`
	}
	r := app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/participants", artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &listeners)
	var ids []string
	for _, l := range listeners.Items {
		ids = append(ids, l.UserID)
	}
	require.ElementsMatch(t, []string{a.User.ID, b.User.ID, artist.User.ID}, ids)
	require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodGet, "/api/parties/"+p.ID+"/participants", a.AccessToken, nil).Status)
	rosterIs(t, app, p.ID, []string{a.User.ID, b.User.ID, artist.User.ID}, nil)

	require.Equal(t, true, a1.Request("party:leave", "", map[string]any{"party_id": p.ID})["ok"])
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(fws, p.ID, "")), "A's other tab keeps the seat")
	require.NoError(t, a2.Conn.Close())
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		seatedIs(ct, app, artist.AccessToken, p.ID, 2) // B and the host
	}, 10*time.Second, 50*time.Millisecond, "A's last socket gave the seat back")
	ackData(t, partyJoin(fws, p.ID, ""))

	partyID := uuid.MustParse(p.ID)
	seconds, err := app.Platform.Store.ListeningSeconds(t.Context(), partyID, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.ElementsMatch(t, []uuid.UUID{uuid.MustParse(a.User.ID), uuid.MustParse(b.User.ID), uuid.MustParse(f.User.ID), uuid.MustParse(artist.User.ID)},
		slices.Collect(maps.Keys(seconds)))
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		var stays []models.PartyStay
		assert.NoError(ct, app.Platform.Store.DB(t.Context()).Where("party_id = ? AND user_id = ?", partyID, a.User.ID).Find(&stays).Error)
		if assert.Len(ct, stays, 1, "one stay for A's two tabs") {
			assert.NotNil(ct, stays[0].LeftAt, "closed by A's last socket")
		}
	}, 10*time.Second, 50*time.Millisecond)

	rosterIs(t, app, p.ID, []string{a.User.ID, b.User.ID, artist.User.ID, f.User.ID}, []string{a.User.ID})
}

// rosterIs waits until the party's workflow got batches whose arrivals and
// departures add up to joined and left.
func rosterIs(t *testing.T, app *testenv.App, partyID string, joined, left []string) {
	t.Helper()
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		var in, out []string
		batches, err := rosterSignals(t.Context(), app, partyID)
		assert.NoError(ct, err)
		for _, batch := range batches {
			for _, id := range batch.Joined {
				in = append(in, id.String())
			}
			for _, id := range batch.Left {
				out = append(out, id.String())
			}
		}
		assert.ElementsMatch(ct, joined, in)
		assert.ElementsMatch(ct, left, out)
	}, 15*time.Second, 100*time.Millisecond, "the roster batches reached the workflow")
}

// 600 fans join a party of 500 at once: exactly 500 get in, the others
// are told it is full; ten leave and ten others get their seats.
func TestPartyJoinStormAdmitsItsCapacity(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.MessageRateLimit = 0 }))
	artist, fans, err := loadtest.PartyCrowd(t.Context(), app.Platform, 600)
	require.NoError(t, err)
	var p partyItem
	r := app.Do(t, http.MethodPost, "/api/parties", artist, partyBody(map[string]any{"capacity": 500, "scheduled_at": time.Now().Add(time.Hour)}))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &p)

	client := &loadtest.Client{Base: app.URL}
	conns := make([]*websocket.Conn, len(fans))
	for i, token := range fans {
		ws, err := client.Socket(token)
		require.NoError(t, err)
		t.Cleanup(func() { ws.Close() })
		conns[i] = ws
	}
	codes, _, err := loadtest.JoinStorm(conns, p.ID, 0)
	require.NoError(t, err)
	var in, out []int
	for i, code := range codes {
		switch code {
		case "":
			in = append(in, i)
		case "full":
			out = append(out, i)
		default:
			t.Fatalf("client %d: %s", i, code)
		}
	}
	require.Len(t, in, 500)
	require.Len(t, out, 100)
	require.Equal(t, 500, participantCount(t, app, artist, p.ID))

	for _, i := range in[:10] {
		ack, err := loadtest.Ack(conns[i], map[string]any{"type": "party:leave", "id": "leave", "data": map[string]string{"party_id": p.ID}})
		require.NoError(t, err)
		require.Equal(t, true, ack["ok"], "%v", ack)
	}
	for _, i := range out[:10] {
		code, err := loadtest.JoinParty(conns[i], p.ID, "")
		require.NoError(t, err)
		require.Empty(t, code, "a freed seat")
	}
	code, err := loadtest.JoinParty(conns[out[10]], p.ID, "")
	require.NoError(t, err)
	require.Equal(t, "full", code)
	require.Equal(t, 500, participantCount(t, app, artist, p.ID))
}

// Two api instances on one Redis serve one party: capacity counts across
// both, a kick on one takes the user's socket out on the other, and an
// instance that dies gives its seats back within the roster's TTL.
func TestPartySeatsAcrossInstances(t *testing.T) {
	fast := testenv.WithConfig(func(c *config.Config) { c.WSPingInterval, c.WSPongTimeout = 200*time.Millisecond, time.Second })
	one, two, proxy := testenv.StartMortalPair(t, fast)
	artist := one.Register(t, "artist", "Nova")
	a, b, c, d := one.Register(t, "fan", "A"), one.Register(t, "fan", "B"), one.Register(t, "fan", "C"), one.Register(t, "fan", "D")
	p := createParty(t, one, artist.AccessToken, map[string]any{"capacity": 2, "scheduled_at": time.Now().Add(time.Hour)})
	room := "party:" + p.ID

	aws, bws := one.Dial(t, a.AccessToken), two.Dial(t, b.AccessToken)
	ackData(t, partyJoin(aws, p.ID, ""))
	ackData(t, partyJoin(bws, p.ID, ""))
	cws := one.Dial(t, c.AccessToken)
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(cws, p.ID, "")), "B's seat on instance two counts on instance one")

	r := one.Do(t, http.MethodPost, "/api/parties/"+p.ID+"/kick/"+b.User.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	left := bws.AwaitIn("room_left", room)
	require.Equal(t, "kicked", left["data"].(map[string]any)["reason"])
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		seatedIs(ct, two, artist.AccessToken, p.ID, 1)
	}, 10*time.Second, 50*time.Millisecond, "the kicked user's seat came back")
	ackData(t, partyJoin(cws, p.ID, ""))
	kicked := partyJoin(bws, p.ID, "")
	require.Equal(t, "forbidden", testenv.ErrorCode(kicked), "a kick keeps the user out a while")
	require.Equal(t, "forbidden", testenv.ErrorCode(bws.Request("join_room", room, nil)))

	// The hold over (as a minute later), B may come back once a seat frees.
	require.NoError(t, one.Platform.Store.DB(t.Context()).Exec("UPDATE party_bans SET until = ? WHERE user_id = ?", time.Now().Add(-time.Second), b.User.ID).Error)
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(bws, p.ID, "")))

	// Instance two loses Redis: as good as dead. Its socket's seat (D's)
	// comes back to the others through the roster's expiry.
	require.Equal(t, true, aws.Request("party:leave", "", map[string]any{"party_id": p.ID})["ok"])
	dws := two.Dial(t, d.AccessToken)
	ackData(t, partyJoin(dws, p.ID, ""))
	require.Equal(t, "full", testenv.ErrorCode(partyJoin(aws, p.ID, "")))
	proxy.Down()
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		seatedIs(ct, one, artist.AccessToken, p.ID, 1)
	}, 15*time.Second, 100*time.Millisecond, "the dead instance's seat came back")
	ackData(t, partyJoin(aws, p.ID, ""))
	require.Equal(t, 2, participantCount(t, one, artist.AccessToken, p.ID))
	proxy.Up()
}

// What a party's room refuses, and to whom.
func TestPartyJoinRefusals(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 30 }))
	app, artist := c.app, c.artist
	fan, superfan := c.member(t, "Fan", ""), c.member(t, "Superfan", models.TierSuperfan)
	cohost, other := c.member(t, "Cohost", ""), c.member(t, "Other", "")
	later := time.Now().Add(time.Hour)
	priv := createParty(t, app, artist.AccessToken, map[string]any{"public": false, "scheduled_at": later})
	pub := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": later})
	r := app.Do(t, http.MethodPost, "/api/parties/"+pub.ID+"/cohosts/"+cohost.User.ID, artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ws := app.Dial(t, fan.AccessToken)

	t.Run("bad frames name the field", func(t *testing.T) {
		for data, field := range map[string]any{"party_id": map[string]any{}, "code": map[string]any{"party_id": pub.ID, "code": strings.Repeat("x", 65)}} {
			ack := ws.Request("party:join", "", field)
			require.Equal(t, "invalid", testenv.ErrorCode(ack), "%v", ack)
			require.Equal(t, data, ack["error"].(map[string]any)["field"])
		}
		ack := ws.Request("party:join", "", map[string]any{"party_id": "not-a-uuid"})
		require.Equal(t, "party_id", ack["error"].(map[string]any)["field"])
		require.Equal(t, "not_found", testenv.ErrorCode(partyJoin(ws, models.NewID().String(), "")))
	})

	t.Run("a private party needs its code, which admits", func(t *testing.T) {
		require.Equal(t, "not_found", testenv.ErrorCode(partyJoin(ws, priv.ID, "")))
		require.Equal(t, "not_found", testenv.ErrorCode(partyJoin(ws, priv.ID, priv.InviteCode+"x")))
		require.Equal(t, "not_found", testenv.ErrorCode(ws.Request("join_room", "party:"+priv.ID, nil)))
		r := app.Do(t, http.MethodPost, "/api/parties/"+priv.ID+"/join", other.AccessToken, map[string]any{"code": "wrong"})
		require.Equal(t, http.StatusNotFound, r.Status)
		ackData(t, partyJoin(ws, priv.ID, priv.InviteCode))
		r = app.Do(t, http.MethodPost, "/api/parties/"+priv.ID+"/join", other.AccessToken, map[string]any{"code": priv.InviteCode})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Contains(t, string(r.Body), `"room":"party:`+priv.ID+`"`)
		ows := app.Dial(t, other.AccessToken)
		require.Equal(t, true, ows.Request("join_room", "party:"+priv.ID, nil)["ok"], "admitted over REST, in with join_room")
		requireField(t, app.Do(t, http.MethodPost, "/api/parties/"+priv.ID+"/join", other.AccessToken, map[string]any{"code": strings.Repeat("x", 65)}), "code")
	})

	t.Run("a higher tier, an ended and a cancelled party", func(t *testing.T) {
		tiered := createParty(t, app, artist.AccessToken, map[string]any{"min_tier": "superfan", "scheduled_at": later})
		ack := partyJoin(ws, tiered.ID, "")
		require.Equal(t, "forbidden", testenv.ErrorCode(ack))
		require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodPost, "/api/parties/"+tiered.ID+"/join", fan.AccessToken, nil).Status)
		ackData(t, partyJoin(app.Dial(t, superfan.AccessToken), tiered.ID, ""))

		ended := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": later})
		require.NoError(t, app.Platform.Store.DB(t.Context()).Model(&models.Party{}).Where("id = ?", ended.ID).Update("status", models.PartyEnded).Error)
		require.Equal(t, "conflict", testenv.ErrorCode(partyJoin(ws, ended.ID, "")))
		cancelled := createParty(t, app, artist.AccessToken, map[string]any{"scheduled_at": later})
		require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, "/api/parties/"+cancelled.ID, artist.AccessToken, nil).Status)
		require.Equal(t, "conflict", testenv.ErrorCode(partyJoin(ws, cancelled.ID, "")))
		require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, "/api/parties/"+cancelled.ID+"/join", fan.AccessToken, nil).Status)
	})

	t.Run("only hosts kick and ban, never a host, and a ban holds until lifted", func(t *testing.T) {
		kick := func(token, partyID, userID string) int {
			return app.Do(t, http.MethodPost, "/api/parties/"+partyID+"/kick/"+userID, token, nil).Status
		}
		require.Equal(t, http.StatusForbidden, kick(fan.AccessToken, pub.ID, other.User.ID), "a fan")
		require.Equal(t, http.StatusNotFound, kick(fan.AccessToken, priv.ID, other.User.ID), "a private party's stranger")
		require.Equal(t, http.StatusForbidden, kick(cohost.AccessToken, pub.ID, artist.User.ID), "a co-host kicks not the artist")
		require.Equal(t, http.StatusForbidden, kick(artist.AccessToken, pub.ID, cohost.User.ID), "nor the artist a co-host")
		require.Equal(t, http.StatusNotFound, kick(artist.AccessToken, pub.ID, models.NewID().String()), "not a user")
		hws := app.Dial(t, fan.AccessToken)
		ackData(t, partyJoin(hws, pub.ID, ""))
		cws := app.Dial(t, cohost.AccessToken)
		ack := cws.Request("party:ban", "", map[string]any{"party_id": pub.ID, "user_id": fan.User.ID})
		require.Equal(t, true, ack["ok"], "a co-host bans over the socket: %v", ack)
		require.Equal(t, "banned", hws.AwaitIn("room_left", "party:"+pub.ID)["data"].(map[string]any)["reason"])
		require.Equal(t, "forbidden", testenv.ErrorCode(partyJoin(hws, pub.ID, "")))
		require.Equal(t, http.StatusNoContent, kick(artist.AccessToken, pub.ID, fan.User.ID))
		var until []struct{ Until *time.Time }
		require.NoError(t, app.Platform.Store.DB(t.Context()).Raw("SELECT until FROM party_bans WHERE user_id = ?", fan.User.ID).Scan(&until).Error)
		require.Len(t, until, 1)
		require.Nil(t, until[0].Until, "a kick does not shorten a ban")
		fws := app.Dial(t, fan.AccessToken)
		require.Equal(t, "forbidden", testenv.ErrorCode(fws.Request("party:kick", "", map[string]any{"party_id": pub.ID, "user_id": other.User.ID})))
		require.Equal(t, http.StatusForbidden, app.Do(t, http.MethodDelete, "/api/parties/"+pub.ID+"/bans/"+fan.User.ID, fan.AccessToken, nil).Status)
		require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodDelete, "/api/parties/"+pub.ID+"/bans/"+fan.User.ID, artist.AccessToken, nil).Status)
		require.Equal(t, http.StatusNotFound, app.Do(t, http.MethodDelete, "/api/parties/"+pub.ID+"/bans/"+fan.User.ID, artist.AccessToken, nil).Status)
		ackData(t, partyJoin(fws, pub.ID, ""))
	})

	t.Run("REST leave takes every socket of the caller out", func(t *testing.T) {
		s1, s2 := app.Dial(t, other.AccessToken), app.Dial(t, other.AccessToken)
		ackData(t, partyJoin(s1, pub.ID, ""))
		ackData(t, partyJoin(s2, pub.ID, ""))
		require.Equal(t, http.StatusNoContent, app.Do(t, http.MethodPost, "/api/parties/"+pub.ID+"/leave", other.AccessToken, nil).Status)
		for _, s := range []*testenv.WS{s1, s2} {
			require.Equal(t, "left", s.AwaitIn("room_left", "party:"+pub.ID)["data"].(map[string]any)["reason"])
		}
	})

	t.Run("joins are rate limited", func(t *testing.T) {
		rws := app.Dial(t, superfan.AccessToken)
		limited := false
		for range 40 {
			if testenv.ErrorCode(partyJoin(rws, pub.ID, "")) == "rate_limited" {
				limited = true
				break
			}
		}
		require.True(t, limited)
		limited = false
		for range 40 {
			if app.Do(t, http.MethodPost, "/api/parties/"+pub.ID+"/join", superfan.AccessToken, nil).Status == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		require.True(t, limited)
	})
}
