package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Engagement drains the api's queue of accepted client events into
// PostgreSQL.
type Engagement struct {
	Store  *store.Store
	Buffer counters.Buffer
}

// FlushEngagement is a flush's bounds: events a batch, and the time after
// which no new batch is begun (the next run goes on).
type FlushEngagement struct {
	Batch  int
	Budget time.Duration
}

// Flushed is what a flush did.
type Flushed struct {
	Read    int   // events read from the buffer (a re-delivered one counts again)
	Added   int   // new rows in engagement_events
	Batches int   // transactions
	Bad     int   // entries that were no encoded event, dropped
	Left    int64 // the backlog when it stopped
}

// FlushEngagement writes the buffer's events to PostgreSQL batch by
// batch: read, append (store.AppendEngagement, which skips what is stored
// already and folds what is new), then ack. A crash between append and
// ack re-delivers the batch, which then adds nothing: at least once in
// the buffer, once in the table.
func (a *Engagement) FlushEngagement(ctx context.Context, in FlushEngagement) (Flushed, error) {
	var out Flushed
	stop := time.Now().Add(in.Budget)
	for {
		entries, err := a.Buffer.Peek(ctx, in.Batch)
		if err != nil || len(entries) == 0 {
			return out, err
		}
		events := make([]models.EngagementEvent, 0, len(entries))
		for _, e := range entries {
			ev, err := models.DecodeEngagementEvent(e.Data)
			if err != nil {
				out.Bad++ // dropped: kept, it would hold back every batch behind it
				continue
			}
			events = append(events, ev)
		}
		added, err := a.Store.AppendEngagement(ctx, events)
		if err != nil {
			return out, err
		}
		if err := a.Buffer.Ack(ctx, entries[len(entries)-1]); err != nil {
			return out, err
		}
		out.Read, out.Added, out.Batches = out.Read+len(events), out.Added+added, out.Batches+1
		if activity.IsActivity(ctx) { // run outside Temporal (the benchmark), nobody listens
			activity.RecordHeartbeat(ctx, out)
		}
		if len(entries) < in.Batch || time.Now().After(stop) {
			out.Left, err = a.Buffer.Len(ctx)
			return out, err
		}
	}
}
