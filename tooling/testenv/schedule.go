package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// RunSchedule triggers the Temporal Schedule id, waits for the run it
// started to finish with result, and returns the run's workflow id.
func RunSchedule(t testing.TB, c client.Client, id string, result any) string {
	t.Helper()
	ctx := t.Context()
	h := c.ScheduleClient().GetHandle(ctx, id)
	d, err := h.Describe(ctx)
	require.NoError(t, err)
	before := len(d.Info.RecentActions)
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var started *client.ScheduleWorkflowExecution
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d, err := h.Describe(ctx)
		if assert.NoError(c, err) && assert.Greater(c, len(d.Info.RecentActions), before) {
			started = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
		}
	}, 30*time.Second, 100*time.Millisecond, "the triggered run started")
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, c.GetWorkflow(wctx, started.WorkflowID, started.FirstExecutionRunID).Get(wctx, result))
	return started.WorkflowID
}
