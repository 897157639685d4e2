package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// rewardRule is a rule as PUT /api/artists/:id/rewards takes it.
func rewardRule(key, kind string, over map[string]any) map[string]any {
	r := map[string]any{"milestone_key": key, "kind": kind, "title": "A " + kind}
	for k, v := range over {
		r[k] = v
	}
	return r
}

type rewardConfig struct {
	Rules []struct {
		MilestoneKey string `json:"milestone_key"`
		Kind         string `json:"kind"`
		Seats        int    `json:"seats"`
	} `json:"rules"`
}

// A configuration is replaced whole; a refused one (unknown milestone,
// missing or another artist's content, seats < 1, a bad expiry or time)
// answers 400 naming its field and leaves the one before as it was.
func TestRewardConfiguration(t *testing.T) {
	app := testenv.StartApp(t)
	artist, other := app.Register(t, "artist", "Nova"), app.Register(t, "artist", "Orion")
	item := postContent(t, app, artist, "superfan")
	theirs := postContent(t, app, other, "follower")
	path := "/api/artists/" + artist.User.ID + "/rewards"
	meet := time.Now().Add(72 * time.Hour).UTC()
	good := []any{
		rewardRule("minutes_1000", "badge", nil),
		rewardRule("minutes_1000", "content_unlock", map[string]any{"content_id": item}),
		rewardRule("score_100", "discount_code", map[string]any{"percent_off": 15, "valid_days": 30}),
		rewardRule("score_100", "meet_greet", map[string]any{"seats": 20, "meet_at": meet}),
		rewardRule("support_1_month", "priority_seat", nil),
	}
	r := app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"rules": good})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var cfg rewardConfig
	r.Decode(t, &cfg)
	require.Len(t, cfg.Rules, 5)

	for name, c := range map[string]struct {
		rule  map[string]any
		field string
	}{
		"unknown milestone":    {rewardRule("followers_100", "badge", nil), "rules[1].milestone_key"},
		"missing content":      {rewardRule("score_100", "content_unlock", map[string]any{"content_id": uuid.NewString()}), "rules[1].content_id"},
		"another's content":    {rewardRule("score_100", "content_unlock", map[string]any{"content_id": theirs}), "rules[1].content_id"},
		"no seats":             {rewardRule("score_100", "meet_greet", map[string]any{"seats": 0, "meet_at": meet}), "rules[1].seats"},
		"meet in the past":     {rewardRule("score_100", "meet_greet", map[string]any{"seats": 2, "meet_at": time.Now().Add(-time.Hour)}), "rules[1].meet_at"},
		"no expiry":            {rewardRule("score_100", "discount_code", map[string]any{"percent_off": 15}), "rules[1].valid_days"},
		"expiry too far":       {rewardRule("score_100", "discount_code", map[string]any{"percent_off": 15, "valid_days": 400}), "rules[1].valid_days"},
		"unknown kind":         {rewardRule("score_100", "pony", nil), "rules[1].kind"},
		"two seat counts":      {rewardRule("score_1000", "meet_greet", map[string]any{"seats": 5, "meet_at": meet}), "rules[1].seats"},
		"untitled":             {rewardRule("score_100", "badge", map[string]any{"title": " "}), "rules[1].title"},
		"content on a badge":   {rewardRule("score_100", "badge", map[string]any{"content_id": item}), "rules[1].content_id"},
		"percent on a badge":   {rewardRule("score_100", "badge", map[string]any{"percent_off": 5}), "rules[1].percent_off"},
		"discount over 100%":   {rewardRule("score_100", "discount_code", map[string]any{"percent_off": 101, "valid_days": 3}), "rules[1].percent_off"},
		"seats on a badge":     {rewardRule("score_100", "badge", map[string]any{"seats": 3}), "rules[1].seats"},
		"unlock of no content": {rewardRule("score_100", "content_unlock", nil), "rules[1].content_id"},
	} {
		t.Run(name, func(t *testing.T) {
			first := rewardRule("score_100", "meet_greet", map[string]any{"seats": 20, "meet_at": meet})
			requireField(t, app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"rules": []any{first, c.rule}}), c.field)
			var now rewardConfig
			app.Do(t, http.MethodGet, path, "", nil).Decode(t, &now)
			require.Equal(t, cfg, now, "nothing half-written")
		})
	}

	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"rules": []any{}}).Status)
	app.Do(t, http.MethodGet, path, "", nil).Decode(t, &cfg)
	require.Empty(t, cfg.Rules)
}

// postContent publishes an item of the artist's for min_tier and returns its id.
func postContent(t *testing.T, app *testenv.App, artist testenv.Session, tier string) string {
	t.Helper()
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/content", artist.AccessToken,
		map[string]any{"kind": "track", "title": "Demo", "body": "the words", "duration_seconds": 120, "min_tier": tier})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var v struct{ ID string }
	r.Decode(t, &v)
	return v.ID
}

type myRewards struct {
	Items []struct {
		ID         string     `json:"id"`
		Kind       string     `json:"kind"`
		Title      string     `json:"title"`
		ContentID  string     `json:"content_id"`
		Code       string     `json:"code"`
		PercentOff int        `json:"percent_off"`
		ExpiresAt  *time.Time `json:"expires_at"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// A milestone row, as the fold writes it, is delivered by the dispatcher
// in the app's worker through a RewardWorkflow on the dev server: the fan
// gets the rewards (listed in pages, told by notification and socket
// events), the unlock opens its content to that fan only through every
// route that shows content, the code is redeemed once at its artist's
// store, and the priority seat gets them into a full party.
func TestMilestoneDeliversRewards(t *testing.T) {
	c := newClub(t)
	app, artist := c.app, c.artist
	kai, ada, bea := c.member(t, "Kai", ""), c.member(t, "Ada", ""), c.member(t, "Bea", "")
	other := app.Register(t, "artist", "Orion")
	item := postContent(t, app, artist, "superfan")
	path := "/api/artists/" + artist.User.ID + "/rewards"
	r := app.Do(t, http.MethodPut, path, artist.AccessToken, map[string]any{"rules": []any{
		rewardRule("minutes_1000", "badge", map[string]any{"title": "Night owl"}),
		rewardRule("minutes_1000", "content_unlock", map[string]any{"content_id": item}),
		rewardRule("minutes_1000", "discount_code", map[string]any{"percent_off": 15, "valid_days": 30}),
		rewardRule("minutes_1000", "priority_seat", nil),
	}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	ws := app.Dial(t, kai.AccessToken)
	st := app.Platform.Store
	fan, star := uuid.MustParse(kai.User.ID), uuid.MustParse(artist.User.ID)
	_, err := st.AwardMilestone(t.Context(), models.UserMilestone{UserID: fan, ArtistID: star, Key: "minutes_1000", AwardedAt: time.Now().UTC()})
	require.NoError(t, err)
	app.Platform.Milestones.Wake()
	require.Equal(t, "minutes_1000", ws.Await("engagement:milestone")["data"].(map[string]any)["key"])
	require.Eventually(t, func() bool {
		m, err := st.UserMilestone(t.Context(), fan, star, "minutes_1000")
		return err == nil && m.DeliveredAt != nil
	}, 30*time.Second, 50*time.Millisecond)

	var page myRewards
	app.Do(t, http.MethodGet, "/api/me/rewards?limit=3", kai.AccessToken, nil).Decode(t, &page)
	require.Len(t, page.Items, 3)
	require.NotEmpty(t, page.NextCursor)
	var rest myRewards
	app.Do(t, http.MethodGet, "/api/me/rewards?limit=3&cursor="+page.NextCursor, kai.AccessToken, nil).Decode(t, &rest)
	require.Len(t, rest.Items, 1)
	require.Empty(t, rest.NextCursor)
	var code string
	for _, g := range append(page.Items, rest.Items...) {
		if g.Kind == "discount_code" {
			code = g.Code
			require.Equal(t, 15, g.PercentOff)
		}
	}
	require.Len(t, code, 12)
	var none myRewards
	app.Do(t, http.MethodGet, "/api/me/rewards", ada.AccessToken, nil).Decode(t, &none)
	require.Empty(t, none.Items)

	var inbox struct {
		Items []struct{ Category, Title string } `json:"items"`
	}
	app.Do(t, http.MethodGet, "/api/notifications", kai.AccessToken, nil).Decode(t, &inbox)
	require.Len(t, inbox.Items, 1, "told once")
	require.Equal(t, "reward", inbox.Items[0].Category)
	app.Do(t, http.MethodGet, "/api/notifications", artist.AccessToken, nil).Decode(t, &inbox)
	require.Len(t, inbox.Items, 1)
	require.Equal(t, "Kai reached 1000 minutes of listening", inbox.Items[0].Title)

	t.Run("unlock", func(t *testing.T) {
		type listed struct {
			Items []struct {
				ID     string `json:"id"`
				Locked bool   `json:"locked"`
				Body   string `json:"body"`
			} `json:"items"`
			Exclusive []struct {
				ID     string `json:"id"`
				Locked bool   `json:"locked"`
			} `json:"exclusive_content"`
		}
		for _, who := range []struct {
			s    testenv.Session
			open bool
		}{{kai, true}, {ada, false}} {
			var l listed
			app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/content", who.s.AccessToken, nil).Decode(t, &l)
			require.Equal(t, item, l.Items[0].ID)
			require.Equal(t, !who.open, l.Items[0].Locked)
			app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/club", who.s.AccessToken, nil).Decode(t, &l)
			require.Equal(t, item, l.Exclusive[0].ID)
			require.Equal(t, !who.open, l.Exclusive[0].Locked)
			one := app.Do(t, http.MethodGet, "/api/content/"+item, who.s.AccessToken, nil)
			play := app.Do(t, http.MethodPost, "/api/content/"+item+"/plays", who.s.AccessToken, map[string]any{"position_seconds": 1, "seconds_listened": 1})
			media := app.Do(t, http.MethodGet, "/api/content/"+item+"/media", who.s.AccessToken, nil)
			if who.open {
				require.Equal(t, http.StatusOK, one.Status, string(one.Body))
				require.Equal(t, http.StatusCreated, play.Status, string(play.Body))
				require.Equal(t, "not_found", media.ErrorCode(t), "let in: the item has no uploaded media")
			} else {
				for _, r := range []testenv.Response{one, play, media} {
					require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
					require.Equal(t, "forbidden", r.ErrorCode(t))
				}
			}
		}
	})

	t.Run("redeem", func(t *testing.T) {
		redeem := func(who testenv.Session, store, code string) testenv.Response {
			return app.Do(t, http.MethodPost, "/api/artists/"+store+"/rewards/redeem", who.AccessToken, map[string]any{"code": code})
		}
		r := redeem(other, other.User.ID, code)
		require.Equal(t, http.StatusNotFound, r.Status, "another artist's store")
		require.Equal(t, "not_found", r.ErrorCode(t))
		r = redeem(artist, artist.User.ID, code)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r = redeem(artist, artist.User.ID, code)
		require.Equal(t, http.StatusConflict, r.Status)
		require.Equal(t, "already_redeemed", r.ErrorCode(t))

		expired := "EXPIRED23456"
		at := time.Now().Add(-time.Hour)
		_, err := st.GrantReward(t.Context(), &models.RewardGrant{ID: models.NewID(), UserID: fan, ArtistID: star, MilestoneKey: "score_100",
			RuleID: models.NewID(), Kind: models.RewardDiscount, Title: "old", Code: &expired, PercentOff: 5, ExpiresAt: &at, GrantedAt: at})
		require.NoError(t, err)
		r = redeem(artist, artist.User.ID, expired)
		require.Equal(t, http.StatusConflict, r.Status)
		require.Equal(t, "expired", r.ErrorCode(t))
		require.Nil(t, testenv.Rows[models.RewardGrant](t, st, "id", "code = ?", expired)[0].RedeemedAt, "changed nothing")
	})

	t.Run("priority seat", func(t *testing.T) {
		p := createParty(t, app, artist.AccessToken, map[string]any{"capacity": 1, "scheduled_at": time.Now().Add(time.Hour)})
		ackData(t, partyJoin(app.Dial(t, ada.AccessToken), p.ID, ""))
		require.Equal(t, "full", testenv.ErrorCode(partyJoin(app.Dial(t, bea.AccessToken), p.ID, "")))
		require.Equal(t, float64(2), ackData(t, partyJoin(app.Dial(t, kai.AccessToken), p.ID, ""))["participants"], "the priority seat gets in")
		next := createParty(t, app, artist.AccessToken, map[string]any{"capacity": 1, "scheduled_at": time.Now().Add(2 * time.Hour)})
		ackData(t, partyJoin(app.Dial(t, ada.AccessToken), next.ID, ""))
		require.Equal(t, "full", testenv.ErrorCode(partyJoin(app.Dial(t, kai.AccessToken), next.ID, "")), "one party per seat")
	})
}
