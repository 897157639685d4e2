package worker

import (
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Deps are what the activities need.
type Deps struct {
	Store     *store.Store
	Senders   map[models.Channel]activities.Sender // outward notification channels
	Broadcast *activities.Broadcast
	Billing   billing.Provider
	Notify    activities.Notify
	Rooms     realtime.Publisher // tells the api instances of access that ended
	PartySync activities.PartySyncs
	Blobs     blobs.Store // uploads
	// Broadcaster starts the broadcasts activities announce (the notifier).
	Broadcaster activities.Broadcaster
	// Discord posts announcements to artists' webhooks; nil (not a nil
	// pointer in the interface) posts nothing.
	Discord   activities.Discord
	PublicURL string // the site's base URL, for share links
	// EngagementBuffer is the api's queue of accepted client events.
	EngagementBuffer counters.Buffer
}

// New returns a worker for taskQueue with every workflow and activity
// registered. Start it with Start and stop it with Stop.
func New(c client.Client, taskQueue string, d Deps) worker.Worker {
	// Pollers scale with the backlog for both kinds of task: a burst of
	// short activities (a round of rewards, each five steps) waited seconds
	// to start behind two fixed activity pollers.
	w := worker.New(c, taskQueue, worker.Options{
		WorkflowTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
		ActivityTaskPollerBehavior: worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{}),
	})
	Register(w, d)
	return w
}

// Register adds every workflow of the registry and its activities to r.
func Register(r worker.Registry, d Deps) {
	for _, def := range Workflows {
		r.RegisterWorkflow(def.Workflow)
		for _, a := range def.Activities(d) {
			r.RegisterActivity(a)
		}
	}
}

func now() time.Time { return time.Now().UTC() }
