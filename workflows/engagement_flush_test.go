package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// A run drains the buffer in batches of 5,000 into the table, each event
// once: the same events pushed again (a batch delivered twice) add
// nothing, and the buffer is empty after.
func TestEngagementFlushDrainsTheBuffer(t *testing.T) {
	testenv.EachStore(t, testEngagementFlush)
}

func testEngagementFlush(t *testing.T, st *store.Store) {
	ctx := t.Context()
	user := func(role models.Role) uuid.UUID {
		u := &models.User{ID: models.NewID(), Email: models.NewID().String() + "@example.com", PasswordHash: "x", Role: role, DisplayName: "x", TimeZone: "UTC"}
		var a *models.Artist
		if role == models.RoleArtist {
			a = &models.Artist{Name: "Nova", Slug: "nova"}
		}
		require.NoError(t, st.CreateUser(ctx, u, a))
		return u.ID
	}
	artist, fan := user(models.RoleArtist), user(models.RoleFan)
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	items := make([][]byte, 12_000)
	for i := range items {
		items[i] = models.EngagementEvent{ID: models.NewID(), UserID: fan, ArtistID: artist, Action: models.ActionShare, Amount: 1, At: at}.Encode()
	}
	buf := counters.NewMemoryBuffer(counters.BufferCap)
	require.NoError(t, buf.Push(ctx, items))
	require.NoError(t, buf.Push(ctx, [][]byte{[]byte("not an event")}))
	require.NoError(t, buf.Push(ctx, items[:100]))

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Minute) // SQLite under -race takes seconds for 12,000 rows
	env.RegisterActivity(&activities.Engagement{Store: st, Buffer: buf})
	env.ExecuteWorkflow(workflows.EngagementFlushWorkflow)
	require.NoError(t, env.GetWorkflowError())
	var out activities.Flushed
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, activities.Flushed{Read: 12_100, Added: 12_000, Batches: 3, Bad: 1}, out)
	left, err := buf.Len(ctx)
	require.NoError(t, err)
	require.Zero(t, left)
	totals, err := st.EngagementTotals(ctx, fan, artist)
	require.NoError(t, err)
	require.Equal(t, map[models.Action]int64{models.ActionShare: 12_000}, totals)
}

// A failing flush is retried up to three attempts, then the run fails
// (the next one, 10 s later, tries again: the events wait in the buffer).
func TestEngagementFlushRetries(t *testing.T) {
	var a *activities.Engagement
	bounds := activities.FlushEngagement{Batch: 5000, Budget: 30 * time.Second}
	for _, tc := range []struct {
		name     string
		failures int
		err      string
	}{
		{name: "a failing flush is retried", failures: 2},
		{name: "gives up after three attempts", failures: 3, err: "database gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.OnActivity(a.FlushEngagement, mock.Anything, bounds).Return(activities.Flushed{}, errors.New("database gone")).Times(tc.failures)
			if tc.err == "" {
				env.OnActivity(a.FlushEngagement, mock.Anything, bounds).Return(activities.Flushed{Read: 3, Added: 3, Batches: 1}, nil).Once()
			}
			env.ExecuteWorkflow(workflows.EngagementFlushWorkflow)
			env.AssertExpectations(t)
			if tc.err != "" {
				require.ErrorContains(t, env.GetWorkflowError(), tc.err)
				return
			}
			require.NoError(t, env.GetWorkflowError())
		})
	}
}
