package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// The list routes read ?limit=, ?cursor= and their filters through
// decodeQuery: bad values are 400 invalid naming the parameter, with the
// messages these routes always gave; good ones are served.
func TestListQueryParameters(t *testing.T) {
	club := newClub(t)
	fan := club.member(t, "Query", models.TierSuperfan)
	status, conv := club.open(t, fan.AccessToken, club.artist.User.ID)
	require.Equal(t, http.StatusCreated, status)
	members := "/api/artists/" + club.artist.User.ID + "/members"
	messages := "/api/messages/conversations/" + conv.ID + "/messages"
	const id = "01932c7e-0000-7000-8000-000000000000"

	for _, tc := range []struct {
		path    string
		token   string
		field   string // "" when served
		message string
	}{
		{path: "/api/messages/conversations?limit=100&archived=yes&unread=1"},
		{path: "/api/messages/conversations?limit=0", field: "limit", message: "limit must be between 1 and 100"},
		{path: "/api/messages/conversations?limit=x", field: "limit", message: "limit must be between 1 and 100"},
		{path: members + "?tier=superfan&status=active&limit=1", token: "artist"},
		{path: members + "?tier=follower", token: "artist", field: "tier", message: "tier must be supporter or superfan"},
		{path: members + "?status=gone&tier=gold", token: "artist", field: "tier", message: "tier must be supporter or superfan"},
		{path: members + "?status=gone&limit=x", token: "artist", field: "status", message: "status must be pending, active, past_due, canceling or canceled"},
		{path: members + "?limit=101", token: "artist", field: "limit", message: "limit must be between 1 and 100"},
		{path: messages + "?before=" + id + "&limit=1"},
		{path: messages + "?before=" + id + "&after=" + id, field: "after", message: "page either before or after a message"},
		{path: messages + "?before=nope", field: "before", message: "before must be a message id"},
		{path: messages + "?after=nope", field: "after", message: "after must be a message id"},
		{path: messages + "?limit=-1", field: "limit", message: "limit must be between 1 and 100"},
		{path: "/api/notifications?limit=5&cursor=" + id + "&category=message&unread=false&grouped=yes"},
		{path: "/api/notifications?grouped=true&unread=true"},
		{path: "/api/notifications?unread=1", field: "unread", message: "unread must be true or false"},
		{path: "/api/notifications?cursor=abc&category=nope", field: "cursor", message: "invalid cursor"},
		{path: "/api/notifications?category=nope&unread=maybe", field: "category", message: `unknown category "nope"`},
		{path: "/api/notifications?limit=1000&cursor=abc", field: "limit", message: "limit must be between 1 and 100"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/api/"), func(t *testing.T) {
			token := fan.AccessToken
			if tc.token == "artist" {
				token = club.artist.AccessToken
			}
			r := club.app.Do(t, http.MethodGet, tc.path, token, nil)
			if tc.field == "" {
				require.Equal(t, http.StatusOK, r.Status, string(r.Body))
				return
			}
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			var e struct {
				Error struct{ Code, Message, Field string }
			}
			r.Decode(t, &e)
			require.Equal(t, "invalid", e.Error.Code)
			require.Equal(t, tc.field, e.Error.Field)
			require.Equal(t, tc.message, e.Error.Message)
		})
	}

	t.Run("the document lists them", func(t *testing.T) {
		r := club.app.Do(t, http.MethodGet, "/openapi.json", "", nil)
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters []struct{ In, Name string }
			}
		}
		r.Decode(t, &doc)
		for path, want := range map[string][]string{
			"/api/messages/conversations":               {"archived", "unread", "limit", "cursor"},
			"/api/artists/{id}/members":                 {"tier", "status", "limit", "cursor"},
			"/api/messages/conversations/{id}/messages": {"before", "after", "limit"},
			"/api/notifications":                        {"limit", "cursor", "category", "unread", "grouped"},
		} {
			var got []string
			for _, p := range doc.Paths[path]["get"].Parameters {
				if p.In == "query" {
					got = append(got, p.Name)
				}
			}
			require.Equal(t, want, got, path)
		}
	})
}
