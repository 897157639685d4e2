package workflows

import (
	"context"
	"errors"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/searchattr"
)

// QAClient runs the monthly Q&A of each club: its schedule, and a session
// opened by hand.
type QAClient struct{ Conn }

// QAScheduleID is the Temporal Schedule of an artist's monthly Q&A; its
// runs' workflow ids start with it.
func QAScheduleID(artistID uuid.UUID) string { return "qa/" + artistID.String() }

// QASpec is when a Q&A opens: the 1st of each month, 17:00 UTC.
var QASpec = client.ScheduleSpec{
	Calendars: []client.ScheduleCalendarSpec{{
		DayOfMonth: []client.ScheduleRange{{Start: 1}},
		Hour:       []client.ScheduleRange{{Start: 17}},
		Comment:    "monthly Q&A: the 1st, 17:00 UTC",
	}},
	TimeZoneName: "UTC",
}

// EnsureSchedule creates the artist's Q&A schedule; one that exists is
// left as operators may have tuned (or paused) it.
func (c QAClient) EnsureSchedule(ctx context.Context, artistID uuid.UUID) error {
	return c.ensure(ctx, client.ScheduleOptions{
		ID:   QAScheduleID(artistID),
		Spec: QASpec,
		Action: &client.ScheduleWorkflowAction{
			ID: QAScheduleID(artistID), Workflow: QASessionWorkflow, Args: []any{artistID}, TaskQueue: c.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(searchattr.ArtistID.ValueSet(artistID.String())),
		},
	})
}

// DeleteSchedule deletes the artist's Q&A schedule; none is no error.
func (c QAClient) DeleteSchedule(ctx context.Context, artistID uuid.UUID) error {
	err := c.Client.ScheduleClient().GetHandle(ctx, QAScheduleID(artistID)).Delete(ctx)
	if errors.As(err, new(*serviceerror.NotFound)) {
		return nil
	}
	return err
}

// Open runs the artist's QASessionWorkflow now (the month's session,
// opened by hand) and returns the session id, "" when the club is closed.
// Concurrent opens of one month join one run.
func (c QAClient) Open(ctx context.Context, artistID uuid.UUID, month string) (string, error) {
	run, err := c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: QAScheduleID(artistID) + "/" + month, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(searchattr.ArtistID.ValueSet(artistID.String())),
	}, QASessionWorkflow, artistID)
	if err != nil {
		return "", err
	}
	var id string
	return id, run.Get(ctx, &id)
}
