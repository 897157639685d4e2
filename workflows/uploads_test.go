package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/workflows"
)

// The sweep goes page by page until a short page, deletes the blobs of
// each page's rows, and asks only for uploads older than a day.
func TestUploadSweepPages(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	page := func(n int, from int) []string {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprint(from + i)
		}
		return keys
	}
	var a *activities.Uploads
	cutoff := mock.MatchedBy(func(before time.Time) bool { return before.Equal(start.Add(-workflows.UploadTTL)) })
	env.OnActivity(a.DeleteStaleUploads, mock.Anything, cutoff, 500).Return(page(500, 0), nil).Once()
	env.OnActivity(a.DeleteStaleUploads, mock.Anything, cutoff, 500).Return(page(3, 500), nil).Once()
	var deleted []string
	env.OnActivity(a.DeleteBlobs, mock.Anything, mock.Anything).Return(func(_ context.Context, keys []string) error {
		deleted = append(deleted, keys...)
		return nil
	})
	env.ExecuteWorkflow(workflows.UploadSweepWorkflow)
	require.NoError(t, env.GetWorkflowError())
	var n int
	require.NoError(t, env.GetWorkflowResult(&n))
	require.Equal(t, 503, n)
	require.Equal(t, page(503, 0), deleted, "every deleted row's blob")
	env.AssertExpectations(t)
}
