package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// Floods of questions and votes: a member asks at most three questions a
// session (quota, nothing written), and questions and votes each have
// their own per-user rate (MESSAGE_RATE_LIMIT), refused with 429.
func TestQAFloodsAreRefused(t *testing.T) {
	t.Parallel()
	c := newClub(t, testenv.WithConfig(func(c *config.Config) { c.MessageRateLimit = 4 }))
	app, artist := c.app, c.artist
	path := "/api/artists/" + artist.User.ID
	require.Equal(t, http.StatusOK, app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{"description": "Q&A"}).Status)
	var s qaSession
	r := app.Do(t, http.MethodPost, path+"/qa", artist.AccessToken, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &s)
	session := "/api/qa/" + s.ID
	ask := func(who testenv.Session, body string) testenv.Response {
		return app.Do(t, http.MethodPost, session+"/questions", who.AccessToken, map[string]any{"body": body})
	}

	asker := c.member(t, "Kai", models.TierSupporter)
	var ids []string
	for _, body := range []string{"One?", "Two?", "Three?"} {
		r := ask(asker, body)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var q qaQuestion
		r.Decode(t, &q)
		ids = append(ids, q.ID)
	}
	r = ask(asker, "Four?")
	require.Equal(t, "quota_exceeded", r.ErrorCode(t), string(r.Body))
	r = ask(asker, "Five?")
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the fifth question in the minute: %s", r.Body)
	require.Equal(t, "rate_limited", r.ErrorCode(t))
	require.Len(t, testenv.Rows[models.QAQuestion](t, app.Platform.Store, "id", "session_id = ?", s.ID), 3, "nothing more written")

	// Votes have their own bucket: the asker's questions did not spend it.
	voter := asker
	for _, id := range ids {
		require.Equal(t, http.StatusOK, app.Do(t, http.MethodPost, session+"/questions/"+id+"/votes", voter.AccessToken, nil).Status)
	}
	require.Equal(t, http.StatusConflict, app.Do(t, http.MethodPost, session+"/questions/"+ids[0]+"/votes", voter.AccessToken, nil).Status)
	r = app.Do(t, http.MethodPost, session+"/questions/"+ids[1]+"/votes", voter.AccessToken, nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.Len(t, testenv.Rows[models.QAVote](t, app.Platform.Store, "user_id", "user_id = ?", voter.User.ID), 3, "nothing more written")
}
