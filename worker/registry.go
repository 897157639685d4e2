package worker

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/workflows"
)

// Definition is one workflow of the platform with everything that comes
// with it. Worker registration, the Temporal Schedules, search-attribute
// registration and the replay test all read Workflows, so a new workflow
// is one more row there.
type Definition struct {
	Workflow any
	// Activities are the activity structs the workflow calls, built from
	// the worker's dependencies; an activity struct belongs to one row.
	Activities func(Deps) []any
	// SearchAttributes are every attribute the workflow (or its starter)
	// sets; the replay test holds the recorded histories to them.
	SearchAttributes []temporal.SearchAttributeKey
	Schedules        []Schedule
	// Fixtures are histories recorded on the dev server, in
	// workflows/testdata, that must replay against today's code. Every
	// workflow has at least one.
	Fixtures []string
}

// Schedule is a Temporal Schedule that starts the workflow every Every,
// with Arg as its argument when set.
type Schedule struct {
	ID    string
	Every time.Duration
	Arg   any
}

// Workflows is the registry: every workflow the worker runs.
var Workflows = []Definition{
	{
		Workflow:   workflows.HealthWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Health{Store: d.Store}} },
		Fixtures:   []string{"health_v1.json"},
	},
	{
		Workflow:   workflows.InboxWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Inbox{Senders: d.Senders}} },
		Fixtures:   []string{"inbox_v1.json"},
	},
	{
		Workflow:         workflows.BroadcastWorkflow,
		Activities:       func(d Deps) []any { return []any{d.Broadcast} },
		SearchAttributes: []temporal.SearchAttributeKey{searchattr.ArtistID},
		Fixtures:         []string{"broadcast_v1.json"},
	},
	{
		Workflow:   workflows.ExpirySweepWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Expiry{Store: d.Store}} },
		Schedules:  []Schedule{{ID: workflows.ExpirySchedule, Every: time.Hour}},
		Fixtures:   []string{"expiry_v1.json"},
	},
	{
		Workflow:   workflows.UploadSweepWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Uploads{Store: d.Store, Blobs: d.Blobs}} },
		Schedules:  []Schedule{{ID: workflows.UploadSweepSchedule, Every: time.Hour}},
		Fixtures:   []string{"uploads_v1.json"},
	},
	{
		Workflow:   workflows.EngagementFlushWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Engagement{Store: d.Store, Buffer: d.EngagementBuffer}} },
		Schedules:  []Schedule{{ID: workflows.EngagementFlushSchedule, Every: workflows.EngagementFlushEvery}},
		Fixtures:   []string{"engagement_flush_v1.json"},
	},
	{
		Workflow:   workflows.AnalyticsRollupWorkflow,
		Activities: func(d Deps) []any { return []any{&activities.Analytics{Store: d.Store}} },
		Schedules: []Schedule{
			{ID: workflows.AnalyticsHourlySchedule, Every: time.Hour, Arg: workflows.AnalyticsRollup{Days: 1}},
			{ID: workflows.AnalyticsDailySchedule, Every: 24 * time.Hour, Arg: workflows.AnalyticsRollup{Days: 7}},
		},
		Fixtures: []string{"analytics_rollup_v1.json"},
	},
	{
		Workflow: workflows.SubscriptionWorkflow,
		Activities: func(d Deps) []any {
			return []any{&activities.Membership{Store: d.Store, Billing: d.Billing, Rooms: d.Rooms, Now: now}}
		},
		SearchAttributes: []temporal.SearchAttributeKey{
			searchattr.ArtistID, searchattr.FanID, searchattr.Tier, searchattr.SubscriptionStatus, searchattr.NextRenewalAt,
		},
		Fixtures: []string{"membership_v1.json", "membership_v2.json", "membership_pending_v2.json"},
	},
	{
		Workflow:         workflows.ReleaseWorkflow,
		Activities:       func(d Deps) []any { return []any{&activities.Release{Store: d.Store, Broadcasts: d.Broadcaster}} },
		SearchAttributes: []temporal.SearchAttributeKey{searchattr.ArtistID, searchattr.ReleasePhase},
		Fixtures:         []string{"release_v1.json"},
	}, {
		// Scheduled per club by the api (QAClient.EnsureSchedule), not here.
		Workflow:         workflows.QASessionWorkflow,
		Activities:       func(d Deps) []any { return []any{&activities.QA{Store: d.Store, Broadcast: d.Broadcaster}} },
		SearchAttributes: []temporal.SearchAttributeKey{searchattr.ArtistID},
		Fixtures:         []string{"qa_v1.json"},
	}, {
		// Started per party by the api (PartyClient.Start).
		Workflow: workflows.PartyWorkflow,
		Activities: func(d Deps) []any {
			return []any{&activities.Party{Store: d.Store, Syncs: d.PartySync, Rooms: d.Rooms, Broadcasts: d.Broadcaster, Discord: d.Discord, PublicURL: d.PublicURL}}
		},
		SearchAttributes: []temporal.SearchAttributeKey{searchattr.ArtistID, searchattr.PartyStatus},
		Fixtures:         []string{"party_v1.json", "party_v2.json"},
	}, {
		// Started per milestone by the dispatcher (engagement.Deliverer).
		Workflow: workflows.RewardWorkflow,
		Activities: func(d Deps) []any {
			return []any{&activities.Reward{Store: d.Store, Notify: d.Notify, Rooms: d.Rooms, Now: now}}
		},
		SearchAttributes: []temporal.SearchAttributeKey{searchattr.ArtistID, searchattr.FanID},
		Fixtures:         []string{"reward_v1.json"},
	},
}

// SearchAttributes are the attributes the workflows set, each once, for
// registration on the namespace.
func SearchAttributes() []temporal.SearchAttributeKey {
	var keys []temporal.SearchAttributeKey
	seen := map[string]bool{}
	for _, d := range Workflows {
		for _, k := range d.SearchAttributes {
			if !seen[k.GetName()] {
				seen[k.GetName()] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}
