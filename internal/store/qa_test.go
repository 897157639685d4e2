package store_test

import (
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// One session per artist and month; questions only while it is open, at
// most a few per member; one vote per member and question; a close tells
// each asker once.
func TestQASessions(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "a@example.com", models.RoleArtist)
		kai, ada := newUser(t, st, "kai@example.com", models.RoleFan), newUser(t, st, "ada@example.com", models.RoleFan)
		now := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)

		s, err := st.OpenQASession(ctx, artist.ID, models.QAMonth(now), now)
		require.NoError(t, err)
		again, err := st.OpenQASession(ctx, artist.ID, models.QAMonth(now.Add(time.Hour)), now.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, s.ID, again.ID, "a second open of the month is the same session")
		require.Len(t, testenv.Rows[models.QASession](t, st, "id", "artist_id = ?", artist.ID), 1)

		ask := func(author *models.User, body string) (*models.QAQuestion, error) {
			q := &models.QAQuestion{ID: models.NewID(), SessionID: s.ID, AuthorID: author.ID, Body: body, CreatedAt: now}
			return q, st.AskQuestion(ctx, q, 2)
		}
		q1, err := ask(kai, "first")
		require.NoError(t, err)
		q2, err := ask(ada, "second")
		require.NoError(t, err)
		_, err = ask(kai, "third")
		require.NoError(t, err)
		_, err = ask(kai, "fourth")
		require.Equal(t, models.CodeQuotaExceeded, models.ErrorCode(err))

		voted, err := st.VoteQuestion(ctx, s.ID, q2.ID, kai.ID, now)
		require.NoError(t, err)
		require.Equal(t, 1, voted.Votes)
		_, err = st.VoteQuestion(ctx, s.ID, q2.ID, kai.ID, now)
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
		require.Len(t, testenv.Rows[models.QAVote](t, st, "user_id", "question_id = ?", q2.ID), 1)
		_, err = st.VoteQuestion(ctx, s.ID, models.NewID(), kai.ID, now)
		require.Equal(t, models.CodeNotFound, models.ErrorCode(err))

		qs, err := st.QAQuestions(ctx, s.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"second", "first", "third"}, []string{qs[0].Body, qs[1].Body, qs[2].Body}, "by votes, then oldest")

		_, err = st.AnswerQuestion(ctx, s.ID, q1.ID, "yes", now)
		require.NoError(t, err)
		closed, did, err := st.CloseQASession(ctx, s.ID, now)
		require.NoError(t, err)
		require.True(t, did)
		require.Equal(t, models.QAClosed, closed.Status)
		_, did, err = st.CloseQASession(ctx, s.ID, now)
		require.NoError(t, err)
		require.False(t, did, "closed once")

		_, err = ask(ada, "late")
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
		_, err = st.VoteQuestion(ctx, s.ID, q1.ID, ada.ID, now)
		require.Equal(t, models.CodeConflict, models.ErrorCode(err))
		require.Len(t, testenv.Rows[models.QAQuestion](t, st, "id", "session_id = ?", s.ID), 3, "nothing written into a closed session")

		askers, err := st.UntoldAskers(ctx, s.ID)
		require.NoError(t, err)
		require.Len(t, askers, 2)
		for _, a := range askers {
			if a.AuthorID == kai.ID {
				require.Equal(t, store.Asker{AuthorID: kai.ID, Asked: 2, Answered: 1}, a)
			}
		}
		claimed, err := st.ClaimAskerNotice(ctx, s.ID, kai.ID, now)
		require.NoError(t, err)
		require.True(t, claimed)
		claimed, err = st.ClaimAskerNotice(ctx, s.ID, kai.ID, now)
		require.NoError(t, err)
		require.False(t, claimed, "told once")
		askers, err = st.UntoldAskers(ctx, s.ID)
		require.NoError(t, err)
		require.Len(t, askers, 1)
		require.Equal(t, ada.ID, askers[0].AuthorID)
	})
}

// Twenty asks at once from one member store exactly the quota and refuse
// the rest, although PostgreSQL runs them side by side.
func TestQAQuotaHoldsUnderConcurrentAsks(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist, kai := newUser(t, st, "a@example.com", models.RoleArtist), newUser(t, st, "kai@example.com", models.RoleFan)
		now := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
		s, err := st.OpenQASession(ctx, artist.ID, models.QAMonth(now), now)
		require.NoError(t, err)

		// Every connection of the pool open first, so the asks meet in the
		// database rather than queue for connections.
		conns := make([]*sql.Conn, st.SQL().Stats().MaxOpenConnections)
		for i := range conns {
			conns[i], err = st.SQL().Conn(ctx)
			require.NoError(t, err)
		}
		for _, c := range conns {
			require.NoError(t, c.Close())
		}
		var wg sync.WaitGroup
		start, errs := make(chan struct{}), make(chan error, 20)
		for range 20 {
			wg.Go(func() {
				<-start
				errs <- st.AskQuestion(ctx, &models.QAQuestion{ID: models.NewID(), SessionID: s.ID, AuthorID: kai.ID, Body: "why?", CreatedAt: now}, 3)
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		refused := 0
		for err := range errs {
			if err != nil {
				require.Equal(t, models.CodeQuotaExceeded, models.ErrorCode(err), err)
				refused++
			}
		}
		require.Equal(t, 17, refused)
		require.Len(t, testenv.Rows[models.QAQuestion](t, st, "id", "session_id = ? AND author_id = ?", s.ID, kai.ID), 3)
	})
}

// A club closes once and stays closed; one never set up closes too.
func TestCloseClub(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		artist := newUser(t, st, "a@example.com", models.RoleArtist)
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		require.NoError(t, st.CloseClub(ctx, artist.ID, at))
		require.NoError(t, st.CloseClub(ctx, artist.ID, at.Add(time.Hour)))
		c, err := st.Club(ctx, artist.ID)
		require.NoError(t, err)
		require.NotNil(t, c.ClosedAt)
		require.True(t, at.Equal(*c.ClosedAt), "the first close stays")
	})
}
