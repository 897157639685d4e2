package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// A broadcast delivers page after page, handing each page the progress
// (and so the cursor) the last one returned, until a page says it is done;
// it tags its run with the artist and retries a failing page.
func TestBroadcastWorkflow(t *testing.T) {
	b := models.Broadcast{ID: models.NewID().String(), ArtistID: models.NewID().String(), Category: "announcement", Title: "Tour dates"}
	var a *activities.Broadcast
	after := func(cursor string) any {
		return mock.MatchedBy(func(p models.BroadcastProgress) bool { return p.Cursor == cursor })
	}
	page := func(p models.BroadcastProgress, cursor string, n int, done bool) models.BroadcastProgress {
		p.Cursor, p.Recipients, p.Pages, p.Done = cursor, p.Recipients+n, p.Pages+1, done
		return p
	}
	start := models.BroadcastProgress{ArtistID: b.ArtistID}
	first := page(start, "u1000", 1000, false)
	second := page(first, "u1500", 500, true)

	t.Run("pages", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.OnUpsertTypedSearchAttributes(mock.MatchedBy(func(sa temporal.SearchAttributes) bool {
			v, ok := sa.GetKeyword(searchattr.ArtistID)
			return ok && v == b.ArtistID
		})).Return(nil).Once()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("")).Return(first, nil).After(time.Minute).Once()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("u1000")).Return(second, nil).After(time.Minute).Once()
		var midway models.BroadcastProgress
		var queryErr error
		env.RegisterDelayedCallback(func() {
			v, err := env.QueryWorkflow("state")
			if queryErr = err; err == nil {
				queryErr = v.Get(&midway)
			}
		}, 90*time.Second)
		env.ExecuteWorkflow(workflows.BroadcastWorkflow, b)
		require.NoError(t, env.GetWorkflowError())
		var got models.BroadcastProgress
		require.NoError(t, env.GetWorkflowResult(&got))
		require.Equal(t, second, got)
		require.NoError(t, queryErr)
		require.Equal(t, first, midway, "the state query shows the pages done so far")
		env.AssertExpectations(t)
	})

	t.Run("no followers", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		done := start
		done.Done = true
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("")).Return(done, nil).Once()
		env.ExecuteWorkflow(workflows.BroadcastWorkflow, b)
		require.NoError(t, env.GetWorkflowError())
		env.AssertExpectations(t)
	})

	t.Run("a failing page is retried", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("")).Return(first, nil).Once()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("u1000")).Return(models.BroadcastProgress{}, errors.New("database gone")).Twice()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("u1000")).Return(second, nil).Once()
		env.ExecuteWorkflow(workflows.BroadcastWorkflow, b)
		require.NoError(t, env.GetWorkflowError())
		var got models.BroadcastProgress
		require.NoError(t, env.GetWorkflowResult(&got))
		require.Equal(t, second, got, "the retry resumes at the failed page")
		env.AssertExpectations(t)
	})

	t.Run("gives up after ten attempts", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("")).Return(first, nil).Once()
		env.OnActivity(a.DeliverPage, mock.Anything, b, after("u1000")).Return(models.BroadcastProgress{}, errors.New("database gone")).Times(10)
		env.ExecuteWorkflow(workflows.BroadcastWorkflow, b)
		require.ErrorContains(t, env.GetWorkflowError(), "database gone")
		env.AssertExpectations(t)
	})
}
