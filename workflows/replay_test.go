package workflows_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/worker"
)

// Every workflow of the registry replays the histories recorded for it on
// the real dev server: a change that breaks one needs workflow.GetVersion.
// A history replays with only its own workflow registered, under its own
// workflow and run ids (the membership's payment keys carry them), and sets
// only the search attributes its row declares, which are the ones
// registered on the namespace.
func TestReplayRecordedHistories(t *testing.T) {
	listed := map[string]bool{}
	for _, def := range worker.Workflows {
		for _, file := range def.Fixtures {
			listed[file] = true
		}
	}
	for _, def := range worker.Workflows {
		name := workflowName(def.Workflow)
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, def.Fixtures, "%s has no replay fixture: record one on the dev server into workflows/testdata and list it in worker.Workflows", name)
			declared := map[string]bool{}
			for _, k := range def.SearchAttributes {
				declared[k.GetName()] = true
			}
			for _, file := range def.Fixtures {
				t.Run(file, func(t *testing.T) {
					h := readHistory(t, file)
					started := h.Events[0].GetWorkflowExecutionStartedEventAttributes()
					r := sdkworker.NewWorkflowReplayer()
					r.RegisterWorkflow(def.Workflow)
					require.NoError(t, r.ReplayWorkflowHistoryWithOptions(nil, h, sdkworker.ReplayWorkflowHistoryOptions{
						OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
					}))
					for _, sa := range searchAttributesSet(h) {
						require.True(t, declared[sa], "the history sets %s, which the row of %s does not declare", sa, name)
					}
				})
			}
		})
	}
	t.Run("every fixture is listed", func(t *testing.T) {
		files, err := filepath.Glob("testdata/*.json")
		require.NoError(t, err)
		for _, f := range files {
			require.True(t, listed[filepath.Base(f)], "%s is listed under no workflow in worker.Workflows", f)
		}
	})
}

func readHistory(t *testing.T, file string) *historypb.History {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h
}

// searchAttributesSet names the custom search attributes a history sets at
// start or on upsert; Temporal's own (Temporal…) are left out.
func searchAttributesSet(h *historypb.History) []string {
	var names []string
	for _, e := range h.Events {
		fields := e.GetWorkflowExecutionStartedEventAttributes().GetSearchAttributes().GetIndexedFields()
		if u := e.GetUpsertWorkflowSearchAttributesEventAttributes(); u != nil {
			fields = u.GetSearchAttributes().GetIndexedFields()
		}
		for name := range fields {
			if !strings.HasPrefix(name, "Temporal") {
				names = append(names, name)
			}
		}
	}
	return names
}

// workflowName is a workflow function's name, as the worker registers it.
func workflowName(fn any) string {
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	return full[strings.LastIndex(full, ".")+1:]
}
