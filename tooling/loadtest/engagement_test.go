package loadtest_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/tooling/loadtest"
)

// The engagement load has every event it sends accepted, then flushes
// them all and copies as many: 2 clients of 2 fans for half a second.
func TestEngagementLoadIsAllAccepted(t *testing.T) {
	cfg := servicesConfig(t)
	var out bytes.Buffer
	require.NoError(t, loadtest.Engagement(t.Context(), cfg, loadtest.EngagementOptions{Clients: 2, Fans: 2, Duration: 500 * time.Millisecond}, &out))
	t.Log(out.String())
	require.Contains(t, out.String(), "BENCH engagement_ingest_not_accepted 0 events")
	require.Contains(t, out.String(), "BENCH engagement_ingest_errors 0 requests")
	require.Regexp(t, `BENCH engagement_flush \d+ rows/s`, out.String())
	require.Regexp(t, `BENCH engagement_copy_baseline \d+ rows/s`, out.String())
}
