package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/fanfare/fanfare/internal/store"
)

// Expiry sweeps expired notifications.
type Expiry struct {
	Store *store.Store
}

// sweepBatch bounds one delete so no statement holds locks for long.
const sweepBatch = 5000

// SweepExpired deletes every notification that expired before `before`,
// batch by batch, heartbeating the count.
func (a *Expiry) SweepExpired(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := a.Store.DeleteExpiredNotifications(ctx, before, sweepBatch)
		if err != nil {
			return total, err
		}
		total += n
		activity.RecordHeartbeat(ctx, total)
		if n < sweepBatch {
			return total, nil
		}
	}
}
