package temporalx_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestSearchAttributesAreRegisteredIdempotently(t *testing.T) {
	c := testenv.Temporal(t)
	for range 2 {
		require.NoError(t, temporalx.RegisterSearchAttributes(t.Context(), c, "default"))
	}
	list, err := c.OperatorService().ListSearchAttributes(t.Context(),
		&operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	require.NoError(t, err)
	for _, k := range temporalx.SearchAttributes {
		require.Equal(t, k.GetValueType(), list.GetCustomAttributes()[k.GetName()], k.GetName())
	}
}
