package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// qaAnnounced records the broadcasts the Q&A activity starts (activities.Broadcaster).
type qaAnnounced struct {
	mu    sync.Mutex
	calls []qaAnnouncement
}

type qaAnnouncement struct {
	audience models.Audience
	category string
	key      string
}

func (a *qaAnnounced) Broadcast(_ context.Context, audience models.Audience, x notify.Notification, key string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, qaAnnouncement{audience, x.Category, key})
	return key, nil
}

// A run opens the session of the month it runs in and announces it to
// the supporters and superfans under a key of the session; a second run in
// the month finds the same session (its broadcast key is the same, so the
// notifier starts nothing new); the next month opens another; a closed
// club opens nothing.
func TestQASessionWorkflowOpensOneSessionAMonth(t *testing.T) {
	st := testenv.Postgres(t)
	ctx := t.Context()
	artist := &models.User{ID: models.NewID(), Email: "artist@example.com", Role: models.RoleArtist, DisplayName: "Nova", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(ctx, artist, &models.Artist{Slug: "nova", Name: "Nova"}))
	rec := &qaAnnounced{}
	run := func(at time.Time) string {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.SetStartTime(at)
		env.RegisterActivity(&activities.QA{Store: st, Broadcast: rec})
		env.ExecuteWorkflow(workflows.QASessionWorkflow, artist.ID)
		require.NoError(t, env.GetWorkflowError())
		var id string
		require.NoError(t, env.GetWorkflowResult(&id))
		return id
	}
	dec := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	first := run(dec)
	require.NotEmpty(t, first)
	require.Equal(t, first, run(dec.Add(3*time.Hour)), "one session per month")
	sessions := testenv.Rows[models.QASession](t, st, "id", "artist_id = ?", artist.ID)
	require.Len(t, sessions, 1)
	require.Equal(t, "2026-12", sessions[0].Month)
	require.Equal(t, models.QAOpen, sessions[0].Status)
	want := qaAnnouncement{models.Members(artist.ID, models.TierSupporter, models.TierSuperfan), "qa", "qa/" + first + "/open"}
	require.Equal(t, []qaAnnouncement{want, want}, rec.calls, "the same key on a repeated run")

	jan := run(dec.AddDate(0, 1, 0))
	require.NotEqual(t, first, jan)
	require.Len(t, testenv.Rows[models.QASession](t, st, "id", "artist_id = ?", artist.ID), 2)

	require.NoError(t, st.CloseClub(ctx, artist.ID, dec))
	require.Empty(t, run(dec.AddDate(0, 2, 0)), "a closed club opens nothing")
	require.Len(t, testenv.Rows[models.QASession](t, st, "id", "artist_id = ?", artist.ID), 2)
	require.Len(t, rec.calls, 3)
}
