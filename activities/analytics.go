package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/fanfare/fanfare/internal/store"
)

// Analytics rolls the dashboard's sources up into analytics_rollups.
type Analytics struct {
	Store *store.Store
}

// RollUpRange is the UTC days [From, To) a run rewrites.
type RollUpRange struct {
	From time.Time
	To   time.Time
}

// RolledUp is what a run wrote.
type RolledUp struct {
	Days   int
	Months int
	Rows   int
}

// RollUp rewrites each day of the range, then each month the range
// touches (a month sums its days). Every day is its own transaction and
// the heartbeat carries the days done, so a retry goes on from there.
func (a *Analytics) RollUp(ctx context.Context, r RollUpRange) (RolledUp, error) {
	var out RolledUp
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &out) // a bad detail only starts over
	}
	from, to := store.DayOf(r.From), r.To
	for day := from.AddDate(0, 0, out.Days); day.Before(to); day = day.AddDate(0, 0, 1) {
		n, err := a.Store.RollUpDay(ctx, day)
		if err != nil {
			return out, err
		}
		out.Days++
		out.Rows += n
		activity.RecordHeartbeat(ctx, out)
	}
	for month := store.MonthOf(from); month.Before(to); month = month.AddDate(0, 1, 0) {
		n, err := a.Store.RollUpMonth(ctx, month)
		if err != nil {
			return out, err
		}
		out.Months++
		out.Rows += n
	}
	return out, nil
}
