package workflows

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// RewardQuery names the query of a RewardWorkflow's progress.
const RewardQuery = "state"

// RewardID is the workflow of a fan's milestone with an artist: one per
// milestone ever, so its rewards are granted once.
func RewardID(userID, artistID uuid.UUID, key string) string {
	return "reward/" + userID.String() + "/" + artistID.String() + "/" + key
}

// RewardState is how far a RewardWorkflow got.
type RewardState struct {
	Rules   int      `json:"rules"`   // rewards the milestone grants
	Granted []string `json:"granted"` // grant ids so far ("" for a meet & greet with no seat left)
	Told    bool     `json:"told"`    // fan and artist notified
}

// RewardWorkflow delivers a fan's milestone (none when its row is gone):
// it reads what the artist's
// configuration grants for it, grants each reward (every activity is
// idempotent, so a retry grants nothing twice), tells the fan and the
// artist, and marks the milestone delivered. Activities retry until they
// succeed: a milestone is never dropped, only late.
func RewardWorkflow(ctx workflow.Context, m activities.Milestone) (RewardState, error) {
	var st RewardState
	if err := workflow.SetQueryHandler(ctx, RewardQuery, func() (RewardState, error) { return st, nil }); err != nil {
		return st, err
	}
	// Local activities: each step is one short database or notifier call,
	// and a round of rewards is a burst; a task-queue round trip per step
	// held a burst of 200 milestones seconds behind (BENCHMARKS.md). A
	// step a killed worker repeats is idempotent, as on the queue.
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	var a *activities.Reward
	var plan activities.Plan
	if err := workflow.ExecuteLocalActivity(ctx, a.Plan, m).Get(ctx, &plan); err != nil || !plan.Reached {
		return st, err
	}
	st.Rules = len(plan.Rules)
	at := plan.At
	for _, r := range plan.Rules {
		var id string
		if err := workflow.ExecuteLocalActivity(ctx, a.Grant, activities.Grant{Milestone: m, Rule: r, At: at}).Get(ctx, &id); err != nil {
			return st, err
		}
		st.Granted = append(st.Granted, id)
	}
	if err := workflow.ExecuteLocalActivity(ctx, a.TellFan, m, at).Get(ctx, nil); err != nil {
		return st, err
	}
	if err := workflow.ExecuteLocalActivity(ctx, a.TellArtist, m, at).Get(ctx, nil); err != nil {
		return st, err
	}
	st.Told = true
	return st, workflow.ExecuteLocalActivity(ctx, a.Delivered, m).Get(ctx, nil)
}
