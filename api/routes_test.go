package api_test

import (
	"encoding/json"
	"iter"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// documentedOp is what the access table reads of an operation in /openapi.json.
type documentedOp struct {
	Security    []map[string][]string `json:"security"`
	RequestBody *struct {
		Content map[string]any `json:"content"`
	} `json:"requestBody"`
	Owner *struct {
		Refused int  `json:"refused"`
		Admin   bool `json:"admin"`
	} `json:"x-owner"`
}

func (o documentedOp) jsonBody() bool {
	return o.RequestBody != nil && o.RequestBody.Content["application/json"] != nil
}

// Routes a rule of the access table does not apply to, each with the reason.
// A route the document adds is under every rule until it is listed here.
var (
	// signedNotTokened: public routes that answer 401 to a request without a
	// valid signature.
	signedNotTokened = map[string]string{
		"POST /api/webhooks/sendgrid": "SendGrid signs its events; there is no user",
		"POST /api/webhooks/stripe":   "Stripe signs its events; there is no user",
	}
	// notOwned: routes whose path names a resource that is not anyone's
	// to guard: what they read or change is the caller's own.
	notOwned = map[string]string{
		"GET /api/artists/{id}":                          "an artist's public profile",
		"GET /api/artists/{id}/club":                     "an artist's public club page",
		"POST /api/artists/{id}/follow":                  "the caller's own follow of any artist",
		"DELETE /api/artists/{id}/follow":                "the caller's own follow of any artist",
		"POST /api/artists/{id}/subscription":            "the caller's own membership in any artist's club",
		"GET /api/artists/{id}/subscription":             "the caller's own membership in any artist's club",
		"PATCH /api/artists/{id}/subscription":           "the caller's own membership in any artist's club",
		"DELETE /api/artists/{id}/subscription":          "the caller's own membership in any artist's club",
		"POST /api/artists/{id}/subscription/resume":     "the caller's own membership in any artist's club",
		"GET /api/messages/quota/{artistId}":             "the caller's own DM quota with any artist",
		"GET /api/artists/{id}/content":                  "an artist's content list: models.CanAccess locks items, nobody owns the list",
		"GET /api/artists/{id}/rewards":                  "an artist's public reward configuration: what fans can earn",
		"GET /api/content/{id}":                          "tiered, not owned: models.CanAccess decides (403 with required_tier)",
		"GET /api/content/{id}/media":                    "tiered, not owned: models.CanAccess decides (403 with required_tier)",
		"POST /api/content/{id}/plays":                   "the caller's own play of an item models.CanAccess lets them open",
		"GET /api/parties/{id}":                          "tiered, not owned: models.CanAccess decides; a private party needs its code",
		"POST /api/parties/{id}/rsvp":                    "the caller's own RSVP to a party models.CanAccess lets them reach",
		"DELETE /api/parties/{id}/rsvp":                  "the caller's own RSVP",
		"GET /api/parties/{id}/messages":                 "tiered, not owned: the party's own access (a private party needs its code)",
		"POST /api/parties/{id}/messages/{msgID}/report": "the caller's own report of a chat line in a party they may reach",
		"POST /api/parties/{id}/join":                    "the caller's own join of a party models.CanAccess lets them reach",
		"POST /api/parties/{id}/leave":                   "the caller's own sockets leave the party's room",
		"GET /api/parties/{id}/share":                    "read as GET /api/parties/{id}: a private party needs its code",
		"GET /p/{id}":                                    "a party's public share page: a private one needs its code",
		"GET /api/artists/{id}/top-fans":                 "an artist's public leaderboard: fans who hide themselves are left off",
		"GET /api/artists/{id}/me/engagement":            "the caller's own standing with any artist: the path names no fan",
	}
	// strangerInput: a valid query or body for owned routes that check their
	// input before their owner, so a stranger's call reaches the owner check.
	// Other routes get {} (or nothing): it is refused before it is read.
	strangerInput = map[string]struct {
		query string
		body  any
	}{
		"POST /api/messages/conversations/{id}/messages": {body: map[string]any{"body": "intrusion"}},
		"POST /api/messages/{id}/reactions":              {body: map[string]any{"emoji": "👍"}},
		"DELETE /api/messages/{id}/reactions":            {query: "?emoji=%F0%9F%91%8D"},
		"POST /api/messages/{id}/report":                 {body: map[string]any{"reason": "spam"}},
	}
	// keptBack: routes of tiered things nobody owns, and what they answer
	// the callers models.CanAccess keeps out of the seeded superfan-only
	// content and party (artist B, fan G, and no token where none is
	// needed): a route that reads or acts on one refuses them (403
	// forbidden, required_tier superfan); a list shows them each item its
	// detail route refuses them as a teaser, with nothing set beyond the
	// teaser's fields.
	keptBack = map[string]keptBackRule{
		"GET /api/content/{id}":          {},
		"GET /api/content/{id}/media":    {},
		"POST /api/content/{id}/plays":   {body: map[string]any{"position_seconds": 1, "seconds_listened": 1}},
		"GET /api/parties/{id}":          {},
		"GET /api/parties/{id}/messages": {},
		"POST /api/parties/{id}/rsvp":    {body: map[string]any{}},
		"POST /api/parties/{id}/join":    {body: map[string]any{}},
		"GET /api/artists/{id}/content":  {list: "items", detail: "/api/content/", teaser: contentTeaser},
		"GET /api/artists/{id}/club":     {list: "exclusive_content", detail: "/api/content/", teaser: contentTeaser},
		"GET /api/parties":               {list: "items", detail: "/api/parties/", teaser: partyTeaser},
	}
	contentTeaser = []string{"id", "artist_id", "kind", "title", "duration_seconds", "min_tier", "public_at", "locked", "available_at", "created_at"}
	partyTeaser   = []string{"id", "artist_id", "title", "scheduled_at", "public", "min_tier", "capacity", "status", "participant_count",
		"rsvp_count", "rsvped", "created_at", "cancelled_at", "locked"}
)

// keptBackRule is how a route answers a caller its tier keeps out.
type keptBackRule struct {
	body   any      // a valid body, so that the refusal is the tier's
	list   string   // a list: the field holding its items
	detail string   // a list: an item's detail route, before its id
	teaser []string // a list: the fields a kept-back caller's item may set
}

// Every route of /openapi.json, from the running app, against a seeded world:
// no token → 401 where the document asks for one (and never 401 where it
// does not); a malformed body → 400 from an allowed caller; every caller who
// does not own what the path names → the refusal the document gives
// (x-owner), and an admin through where it says so.
func TestEveryRouteRefusesWhomItShould(t *testing.T) {
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.MessageRateLimit = 0 }))
	w := seedWorld(t, app)

	var doc struct {
		Paths map[string]map[string]documentedOp `json:"paths"`
	}
	r := app.Do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &doc)
	var routes []string
	for path, ops := range doc.Paths {
		for method := range ops {
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routes)
	for _, listed := range []iter.Seq[string]{maps.Keys(signedNotTokened), maps.Keys(notOwned), maps.Keys(strangerInput), maps.Keys(keptBack)} {
		for route := range listed {
			require.Contains(t, routes, route, "listed in the access table but no longer documented")
		}
	}

	malformed := []byte(`{"`)
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		o := doc.Paths[path][strings.ToLower(method)]
		t.Run(route, func(t *testing.T) {
			url, owners := w.fill(t, path, w.ids)
			if o, ok := w.routeOwners[route]; ok {
				owners = o
			}
			if o.Owner != nil {
				require.NotEmpty(t, owners, "x-owner, but the seeded world names no owner of %s: add one to seedWorld", path)
			}
			var body []byte
			if o.jsonBody() {
				body = malformed
			}

			t.Run("no token", func(t *testing.T) {
				r := app.Do(t, method, url, "", body)
				switch {
				case len(o.Security) > 0:
					require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
					require.Equal(t, "unauthorized", r.ErrorCode(t))
				case signedNotTokened[route] != "":
					t.Skip(signedNotTokened[route])
				default:
					require.NotEqual(t, http.StatusUnauthorized, r.Status, "the document says no token is needed: %s", r.Body)
				}
			})

			if o.jsonBody() {
				t.Run("malformed body", func(t *testing.T) {
					caller := w.callers["fan F"]
					if o.Owner != nil {
						caller = w.callers[owners[0]]
					}
					if len(o.Security) == 0 {
						caller = ""
					}
					requireMalformed(t, app.Do(t, method, url, caller, malformed))
				})
			}

			if rule, ok := keptBack[route]; ok {
				t.Run("kept back", func(t *testing.T) {
					url, _ := w.fill(t, path, w.locked)
					w.requireKeptBack(t, app, method, url, rule, len(o.Security) == 0)
				})
			}

			if !strings.Contains(path, "{") {
				return // a path naming nothing acts on the caller's own
			}
			t.Run("not the owner", func(t *testing.T) {
				if reason := notOwned[route]; reason != "" {
					require.Nil(t, o.Owner, "x-owner on a route listed as not owned (%s)", reason)
					t.Skip(reason)
				}
				require.NotNil(t, o.Owner, "the path names a resource: give the op an owner, or list the route in notOwned with a reason")
				in := strangerInput[route]
				if in.body == nil && o.jsonBody() {
					in.body = map[string]any{}
				}
				code := map[int]string{http.StatusForbidden: "forbidden", http.StatusNotFound: "not_found"}[o.Owner.Refused]
				require.NotEmpty(t, code, "x-owner refuses with 403 or 404, not %d", o.Owner.Refused)
				passers := slices.Clone(owners)
				if o.Owner.Admin {
					passers = append(passers, "admin")
				}
				for name, token := range w.callers {
					if slices.Contains(passers, name) {
						continue
					}
					r := app.Do(t, method, url+in.query, token, in.body)
					require.Equal(t, o.Owner.Refused, r.Status, "%s: %s", name, r.Body)
					require.Equal(t, code, r.ErrorCode(t), name)
				}
				for _, name := range passers { // through the owner check, and nothing written
					switch {
					case o.jsonBody():
						requireMalformed(t, app.Do(t, method, url, w.callers[name], malformed))
					case method == http.MethodGet:
						r := app.Do(t, method, url, w.callers[name], nil)
						require.Less(t, r.Status, 300, "%s passes x-owner: %s", name, r.Body)
					}
				}
			})
		})
	}
}

func requireMalformed(t *testing.T, r testenv.Response) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	var e struct {
		Error struct{ Code, Message string }
	}
	r.Decode(t, &e)
	require.Equal(t, "invalid", e.Error.Code)
	require.Equal(t, "malformed JSON", e.Error.Message, "refused for its body, not for something else")
}

// requireKeptBack checks rule against the callers the seeded world's
// tiers keep back: B, G, and no token when the route is public.
func (w *accessWorld) requireKeptBack(t *testing.T, app *testenv.App, method, url string, rule keptBackRule, public bool) {
	callers := map[string]string{"artist B": w.callers["artist B"], "fan G": w.callers["fan G"]}
	if public {
		callers["no token"] = ""
	}
	for name, token := range callers {
		if rule.list == "" {
			requireLocked(t, app.Do(t, method, url, token, rule.body), name)
			continue
		}
		var page map[string]json.RawMessage
		var items []map[string]any
		r := app.Do(t, method, url, token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", name, r.Body)
		r.Decode(t, &page)
		require.NoError(t, json.Unmarshal(page[rule.list], &items))
		refused := 0
		for _, item := range items {
			d := app.Do(t, http.MethodGet, rule.detail+item["id"].(string), token, nil)
			if d.Status < 300 {
				continue
			}
			requireLocked(t, d, name)
			refused++
			require.Equal(t, true, item["locked"], "%s: %v", name, item)
			for field, v := range item {
				require.True(t, slices.Contains(rule.teaser, field) || zero(v), "%s gets %s of an item its detail route refuses: %v", name, field, v)
			}
		}
		require.Positive(t, refused, "%s is kept back from nothing listed: seed a superfan-only item", name)
	}
}

// requireLocked checks a refusal for the tier: 403 naming the tier.
func requireLocked(t *testing.T, r testenv.Response, name string) {
	t.Helper()
	require.Equal(t, http.StatusForbidden, r.Status, "%s: %s", name, r.Body)
	var e struct {
		Error struct {
			Code         string
			RequiredTier string `json:"required_tier"`
		}
	}
	r.Decode(t, &e)
	require.Equal(t, "forbidden", e.Error.Code, name)
	require.Equal(t, "superfan", e.Error.RequiredTier, name)
}

// zero reports whether a decoded JSON value says nothing: null, "", false,
// 0, [] or an object of such.
func zero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, x := range v {
			if !zero(x) {
				return false
			}
		}
		return true
	}
	return false
}

// accessWorld is artist A's club with one of everything, and the callers who
// try it: A, another artist B, A's superfan F (in a conversation with A),
// another fan G and an admin.
type accessWorld struct {
	callers map[string]string   // name → access token
	ids     map[string]string   // the path segment before a parameter → the id to put there
	locked  map[string]string   // the same for the superfan-only things (keptBack)
	owners  map[string][]string // the same segment → the names of who owns it
	// routeOwners: routes whose owners are not those of their last segment
	// (a perk's members read what only the artist changes).
	routeOwners map[string][]string
}

var pathParam = regexp.MustCompile(`([^/]+)/\{[^}]+\}`)

// fill puts ids into path's parameters and returns the names of who owns
// the last one.
func (w *accessWorld) fill(t *testing.T, path string, ids map[string]string) (string, []string) {
	var owners []string
	url := pathParam.ReplaceAllStringFunc(path, func(m string) string {
		kind, _, _ := strings.Cut(m, "/")
		id, ok := ids[kind]
		require.True(t, ok, "no %s in the seeded world for %s: add one to seedWorld", kind, path)
		owners = w.owners[kind]
		return kind + "/" + id
	})
	return url, owners
}

func seedWorld(t *testing.T, app *testenv.App) *accessWorld {
	a, b := app.Register(t, "artist", "Artist A"), app.Register(t, "artist", "Artist B")
	f, g := app.Register(t, "fan", "Fan F"), app.Register(t, "fan", "Fan G")
	admin := registerAdmin(t, app)

	artist := "/api/artists/" + a.User.ID
	expect := func(status int, r testenv.Response) testenv.Response {
		t.Helper()
		require.Equal(t, status, r.Status, string(r.Body))
		return r
	}
	var id struct {
		ID          string `json:"id"`
		BroadcastID string `json:"broadcast_id"`
	}
	expect(http.StatusOK, app.Do(t, http.MethodPut, artist+"/club", a.AccessToken, map[string]any{"description": "A's club", "dm_quota": 7}))
	expect(http.StatusCreated, app.Do(t, http.MethodPost, artist+"/subscription", f.AccessToken, map[string]any{"tier": models.TierSuperfan}))
	expect(http.StatusOK, app.Do(t, http.MethodPost, artist+"/follow", f.AccessToken, nil))
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/messages/conversations", f.AccessToken, map[string]any{"user_id": a.User.ID})).Decode(t, &id)
	conv := id.ID
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv+"/messages", f.AccessToken, map[string]any{"body": "hello"})).Decode(t, &id)
	msg := id.ID
	expect(http.StatusCreated, app.Upload(t, f.AccessToken, "a.png", testenv.PNG(96))).Decode(t, &id)
	att := id.ID
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv+"/messages", f.AccessToken,
		map[string]any{"attachments": []string{att}}))
	expect(http.StatusCreated, app.Do(t, http.MethodPost, artist+"/content", a.AccessToken,
		map[string]any{"kind": "track", "title": "B-side", "duration_seconds": 180, "min_tier": "superfan"})).Decode(t, &id)
	content := id.ID
	expect(http.StatusOK, app.Send(t, contentUpload(t, app, a.AccessToken, artist+"/content/"+content+"/media", testenv.PNG(64))))
	expect(http.StatusAccepted, app.Do(t, http.MethodPost, artist+"/announcements", a.AccessToken, map[string]any{"title": "Tour dates"})).Decode(t, &id)
	var inbox struct{ Items []struct{ ID string } }
	require.Eventually(t, func() bool {
		r, err := app.Call(http.MethodGet, "/api/notifications", f.AccessToken, nil)
		return err == nil && json.Unmarshal(r.Body, &inbox) == nil && len(inbox.Items) > 0
	}, time.Minute, 50*time.Millisecond, "F has a notification")

	expect(http.StatusCreated, app.Do(t, http.MethodPost, artist+"/qa", a.AccessToken, nil)).Decode(t, &id)
	qa := id.ID
	expect(http.StatusCreated, app.Do(t, http.MethodPost, artist+"/live", a.AccessToken, map[string]any{"title": "Live", "stream_url": "https://twitch.tv/a"}))
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/qa/"+qa+"/questions", f.AccessToken, map[string]any{"body": "Next tour?"})).Decode(t, &id)
	question := id.ID
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/parties", a.AccessToken,
		map[string]any{"title": "Party", "playlist": []any{map[string]any{"kind": "track", "content_id": content}}})).Decode(t, &id)
	party := id.ID
	expect(http.StatusCreated, app.Do(t, http.MethodPost, "/api/parties", a.AccessToken,
		map[string]any{"title": "Superfans", "min_tier": "superfan", "playlist": []any{map[string]any{"kind": "track", "content_id": content}}})).Decode(t, &id)
	lockedParty := id.ID

	const A, F = "artist A", "fan F"
	return &accessWorld{
		callers: map[string]string{A: a.AccessToken, "artist B": b.AccessToken, F: f.AccessToken, "fan G": g.AccessToken, "admin": admin.AccessToken},
		ids: map[string]string{"artists": a.User.ID, "quota": a.User.ID, "conversations": conv, "messages": msg,
			"attachments": att, "notifications": inbox.Items[0].ID, "broadcasts": id.BroadcastID, "content": content, "qa": qa, "questions": question,
			"parties": party, "cohosts": g.User.ID, "kick": g.User.ID, "bans": g.User.ID, "admissions": g.User.ID, "p": party},
		locked: map[string]string{"artists": a.User.ID, "content": content, "parties": lockedParty},
		owners: map[string][]string{"artists": {A}, "broadcasts": {A}, "conversations": {A, F}, "messages": {A, F},
			"attachments": {A, F}, "notifications": {F}, "content": {A}, "qa": {A, F}, "questions": {A, F},
			"parties": {A}, "cohosts": {A}, "kick": {A}, "bans": {A}, "admissions": {A}},
		routeOwners: map[string][]string{ // F is A's superfan: the Q&A's and the backstage's
			"GET /api/artists/{id}/qa": {A, F}, "GET /api/artists/{id}/backstage/posts": {A, F},
			"POST /api/qa/{id}/close": {A}, "PUT /api/qa/{id}/questions/{qid}/answer": {A},
			"GET /api/artists/{id}/live":                {A, F},
			"POST /api/parties/{id}/playback":           {A}, // its hosts; an admin does not steer a party
			"DELETE /api/parties/{id}/messages/{msgID}": {A}, // its hosts moderate its chat
			"GET /api/parties/{id}/participants":        {A}, // its hosts, as for the playback
			"GET /api/parties/{id}/admissions":          {A}, // its hosts, as for the listeners
		},
	}
}

// registerAdmin registers a user, makes them an admin and signs them in.
func registerAdmin(t *testing.T, app *testenv.App) testenv.Session {
	root := app.Register(t, "fan", "Admin")
	require.NoError(t, app.Platform.Store.DB(t.Context()).Model(&models.User{}).Where("id = ?", root.User.ID).Update("role", models.RoleAdmin).Error)
	var admin testenv.Session
	r := app.Do(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": root.User.Email, "password": testenv.TestPassword})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.Decode(t, &admin)
	require.Equal(t, "admin", admin.User.Role)
	return admin
}
