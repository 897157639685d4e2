package testenv

import (
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// RecordHistory writes the history of a workflow's latest run as the
// replay fixture workflows/testdata/file when FANFARE_RECORD_FIXTURES is
// set: fixtures come from the real dev server.
func RecordHistory(t testing.TB, c client.Client, workflowID, file string) {
	t.Helper()
	if os.Getenv("FANFARE_RECORD_FIXTURES") == "" {
		return
	}
	iter := c.GetWorkflowHistory(t.Context(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(RepoRoot(), "workflows", "testdata", file), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
