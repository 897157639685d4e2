package workflows

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
)

// QASessionWorkflow opens the artist's Q&A session of the current month
// (UTC) and announces it to the members it is for; it returns the
// session's id, or "" when the club is closed. Each club's schedule
// (QAClient.EnsureSchedule) runs it monthly; a run repeated or retried
// within the month finds the same session and announces nothing new.
func QASessionWorkflow(ctx workflow.Context, artistID uuid.UUID) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var a *activities.QA
	var id string
	err := workflow.ExecuteActivity(ctx, a.OpenSession, activities.OpenQA{ArtistID: artistID, At: workflow.Now(ctx)}).Get(ctx, &id)
	return id, err
}
