package temporalx_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The registration code on a namespace of its own: the dev server's
// --search-attribute flags registered the attributes on "default" only,
// so this namespace starts without them.
func TestSearchAttributesAreRegisteredIdempotently(t *testing.T) {
	ctx := t.Context()
	ns := "sa-" + models.NewID().String()
	c := testenv.Temporal(t)
	_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
	require.NoError(t, err)
	custom := func() map[string]bool {
		list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
		if err != nil {
			return nil // the new namespace is not known everywhere yet
		}
		have := map[string]bool{}
		for _, k := range worker.SearchAttributes() {
			if typ, ok := list.GetCustomAttributes()[k.GetName()]; ok {
				have[k.GetName()] = typ == k.GetValueType()
			}
		}
		return have
	}
	require.Eventually(t, func() bool { return custom() != nil }, 30*time.Second, 100*time.Millisecond)
	require.Empty(t, custom(), "a fresh namespace has none of the attributes")

	for range 2 {
		require.NoError(t, temporalx.RegisterSearchAttributes(ctx, c, ns, worker.SearchAttributes()))
	}
	have := custom()
	for _, k := range worker.SearchAttributes() {
		require.True(t, have[k.GetName()], "%s registered with its type", k.GetName())
	}
}
