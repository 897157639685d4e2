// Package worker wires the workflows and activities to a task queue.
package worker

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// Deps are what the activities need.
type Deps struct {
	Store     *store.Store
	Senders   map[models.Channel]activities.Sender // outward notification channels
	Broadcast *activities.Broadcast
	Billing   billing.Provider
	Notify    activities.Notify
	Rooms     realtime.Publisher // tells the api instances of access that ended
	Blobs     blobs.Store        // uploads
}

// New returns a worker for taskQueue with every workflow and activity
// registered. Start it with Start and stop it with Stop.
func New(c client.Client, taskQueue string, d Deps) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{WorkflowTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})})
	Register(w, d)
	return w
}

// Register adds every workflow and activity to r; replay tests use it too.
func Register(r worker.Registry, d Deps) {
	r.RegisterWorkflow(workflows.HealthWorkflow)
	r.RegisterActivity(&activities.Health{Store: d.Store})
	r.RegisterWorkflow(workflows.InboxWorkflow)
	r.RegisterActivity(&activities.Inbox{Senders: d.Senders})
	r.RegisterWorkflow(workflows.BroadcastWorkflow)
	r.RegisterActivity(d.Broadcast)
	r.RegisterWorkflow(workflows.ExpirySweepWorkflow)
	r.RegisterActivity(&activities.Expiry{Store: d.Store})
	r.RegisterWorkflow(workflows.UploadSweepWorkflow)
	r.RegisterActivity(&activities.Uploads{Store: d.Store, Blobs: d.Blobs})
	r.RegisterWorkflow(workflows.SubscriptionWorkflow)
	r.RegisterActivity(&activities.Membership{Store: d.Store, Billing: d.Billing, Notify: d.Notify, Rooms: d.Rooms, Now: now})
}

func now() time.Time { return time.Now().UTC() }
