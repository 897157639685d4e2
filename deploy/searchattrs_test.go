package deploy_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fanfare/fanfare/worker"
)

// The production registration script registers, with its type, every
// search attribute a workflow of the registry sets.
func TestRegistrationScriptCoversTheRegistry(t *testing.T) {
	body := string(readFile(t, "deploy/temporal/register-search-attributes.sh"))
	types := map[enumspb.IndexedValueType]string{
		enumspb.INDEXED_VALUE_TYPE_KEYWORD:  "Keyword",
		enumspb.INDEXED_VALUE_TYPE_DATETIME: "Datetime",
	}
	for _, k := range worker.SearchAttributes() {
		typ, ok := types[k.GetValueType()]
		require.True(t, ok, "%s: add its type %s here", k.GetName(), k.GetValueType())
		require.Regexp(t, `(?m)^register `+k.GetName()+` `+typ+`\b`, body, "deploy/temporal/register-search-attributes.sh")
	}
}
