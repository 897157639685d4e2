package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// UploadSweepSchedule is the Temporal Schedule that deletes the uploads no
// message carries a day after they were made.
const UploadSweepSchedule = "uploads-sweep"

// UploadTTL is how long an upload waits for a message to carry it.
const UploadTTL = 24 * time.Hour

// uploadSweepPage bounds one page of the sweep.
const uploadSweepPage = 500

// UploadSweepWorkflow deletes, page by page, the uploads older than
// UploadTTL that no message carries, and returns how many it deleted.
// Rows go before blobs: an upload attached meanwhile keeps both, and the
// keys of deleted rows are in the history, so their blobs go even if the
// blob store needs retries.
func UploadSweepWorkflow(ctx workflow.Context) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	before := workflow.Now(ctx).Add(-UploadTTL)
	var a *activities.Uploads
	total := 0
	for {
		var keys []string
		if err := workflow.ExecuteActivity(ctx, a.DeleteStaleUploads, before, uploadSweepPage).Get(ctx, &keys); err != nil {
			return total, err
		}
		if len(keys) > 0 {
			if err := workflow.ExecuteActivity(ctx, a.DeleteBlobs, keys).Get(ctx, nil); err != nil {
				return total, err
			}
		}
		total += len(keys)
		if len(keys) < uploadSweepPage {
			return total, nil
		}
	}
}
