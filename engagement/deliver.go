package engagement

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// Delivery tuning.
const (
	// DeliverEvery is how often the dispatcher looks for new milestones
	// when nothing wakes it.
	DeliverEvery = 200 * time.Millisecond
	// redispatchAfter is how long a started RewardWorkflow is left to
	// deliver before it is started again (a no-op while it runs).
	redispatchAfter = time.Minute
	deliverBatch    = 100
	startTimeout    = 5 * time.Second
	dispatchers     = 16 // workflow starts in flight at once
)

// Sender is the notifier (notifier.Notifier.Send).
type Sender interface {
	Send(ctx context.Context, x notify.Notification) (*models.Notification, error)
}

// Deliverer delivers milestones from their rows, the outbox the store
// writes in the act's transaction: a fan's milestone starts its
// RewardWorkflow (which grants, tells both sides and marks the row
// delivered), an artist's own is a notification to the artist. A row that
// fails (Temporal or the database down) stays for the next round, so every
// milestone is told, late at worst. Several processes may run one: the
// workflow id and the notification key make a second delivery a no-op.
type Deliverer struct {
	Store   *store.Store
	Rewards workflows.RewardClient
	Notify  Sender
	Log     *slog.Logger
	Now     func() time.Time
	Every   time.Duration // 0: DeliverEvery
	wake    chan struct{}
}

// NewDeliverer returns a dispatcher; Run it in the worker process.
func NewDeliverer(st *store.Store, rewards workflows.RewardClient, n Sender, log *slog.Logger, now func() time.Time) *Deliverer {
	return &Deliverer{Store: st, Rewards: rewards, Notify: n, Log: log, Now: now, wake: make(chan struct{}, 1)}
}

// Wake asks for a round now (an act in the same process may have crossed
// a milestone); it never blocks, and does nothing when no Run listens.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers round after round until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	every := d.Every
	if every == 0 {
		every = DeliverEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := d.Round(ctx); err != nil && ctx.Err() == nil {
			d.Log.Warn("milestones not delivered, kept for the next round", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Round delivers what is pending now; it stops at the first failure,
// which it returns (what is left waits for the next round).
func (d *Deliverer) Round(ctx context.Context) error {
	now := d.Now()
	fans, err := d.Store.PendingMilestones(ctx, now.Add(-redispatchAfter), deliverBatch)
	if err != nil {
		return err
	}
	// Starts go out side by side: one after another, a burst of crossings
	// queued behind each start's round trip (BENCHMARKS.md, issue 19).
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(dispatchers)
	for _, m := range fans {
		g.Go(func() error { return d.dispatch(gctx, m, now) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	artists, err := d.Store.PendingArtistMilestones(ctx, deliverBatch)
	if err != nil {
		return err
	}
	for _, m := range artists {
		if err := d.tellArtist(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// dispatch starts a fan milestone's RewardWorkflow. A run that completed
// before delivered it (the row was marked then, or the mark was lost).
func (d *Deliverer) dispatch(ctx context.Context, m models.UserMilestone, now time.Time) error {
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	delivered, err := d.Rewards.Start(sctx, activities.Milestone{UserID: m.UserID, ArtistID: m.ArtistID, Key: m.Key})
	switch {
	case err != nil:
		return err
	case delivered:
		return d.Store.MarkMilestoneDelivered(ctx, m.UserID, m.ArtistID, m.Key, now)
	}
	return d.Store.MarkMilestoneDispatched(ctx, m, now)
}

// tellArtist notifies an artist of a milestone of their own, once (the
// key), and marks it delivered.
func (d *Deliverer) tellArtist(ctx context.Context, m models.ArtistMilestone) error {
	_, err := d.Notify.Send(ctx, notify.Notification{UserID: m.ArtistID, Category: "milestone",
		Title: "You reached " + models.MilestoneText(m.Key), Data: map[string]any{"artist_id": m.ArtistID.String(), "milestone": m.Key},
		Key: "milestone/" + m.ArtistID.String() + "/" + m.Key, At: m.ReachedAt})
	if err != nil {
		return err
	}
	return d.Store.MarkArtistMilestoneDelivered(ctx, m.ArtistID, m.Key, d.Now())
}
