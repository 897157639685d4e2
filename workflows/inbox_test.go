package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// inboxTest runs the inbox in the time-skipping test environment and
// records every digest with the workflow time it went out.
type inboxTest struct {
	env  *testsuite.TestWorkflowEnvironment
	mu   sync.Mutex
	sent []sentDigest
}

type sentDigest struct {
	at time.Time
	d  models.Digest
}

var paris, _ = time.LoadLocation("Europe/Paris")

func newInboxTest(t *testing.T, start time.Time) *inboxTest {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	it := &inboxTest{env: s.NewTestWorkflowEnvironment()}
	it.env.SetStartTime(start)
	it.env.RegisterActivity(&activities.Inbox{})
	it.env.OnActivity("Deliver", mock.Anything, mock.Anything).Return(func(_ context.Context, d models.Digest) error {
		it.mu.Lock()
		defer it.mu.Unlock()
		it.sent = append(it.sent, sentDigest{at: it.env.Now().UTC(), d: d})
		return nil
	})
	return it
}

func (it *inboxTest) signal(after time.Duration, item models.InboxItem) {
	it.env.RegisterDelayedCallback(func() {
		item.CreatedAt = it.env.Now()
		it.env.SignalWorkflow(workflows.InboxSignal, item)
	}, after)
}

// run executes the inbox until `until` of workflow time, then cancels it.
func (it *inboxTest) run(t *testing.T, until time.Duration) {
	it.env.RegisterDelayedCallback(it.env.CancelWorkflow, until)
	it.env.ExecuteWorkflow(workflows.InboxWorkflow, workflows.InboxState{UserID: "u1"})
	require.True(t, it.env.IsWorkflowCompleted())
}

var settings = models.InboxSettings{DigestWindow: 15 * time.Minute, TimeZone: "Europe/Paris"}

func item(group string, p models.Priority) models.InboxItem {
	return models.InboxItem{NotificationID: group + "-" + string(p), Channel: models.ChannelEmail, GroupKey: group, Priority: p, Title: "t", Settings: settings}
}

var noon = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestInboxDigestsAGroupAtTheEndOfItsWindow(t *testing.T) {
	it := newInboxTest(t, noon)
	for i := range 10 {
		it.signal(time.Duration(i)*time.Minute, item("artist:1", models.PriorityNormal))
	}
	it.signal(5*time.Minute, item("party:2", models.PriorityNormal))
	it.run(t, 2*time.Hour)
	require.Len(t, it.sent, 2)
	require.Equal(t, "artist:1", it.sent[0].d.GroupKey)
	require.Len(t, it.sent[0].d.Items, 10)
	require.Equal(t, noon.Add(15*time.Minute), it.sent[0].at, "the window opens with the first item")
	require.Equal(t, "party:2", it.sent[1].d.GroupKey)
	require.Equal(t, noon.Add(20*time.Minute), it.sent[1].at)
}

func TestInboxSendsUrgentAtOnce(t *testing.T) {
	// 23:30 in Paris: inside quiet hours, which urgent ignores.
	start := time.Date(2026, 11, 25, 23, 30, 0, 0, paris)
	it := newInboxTest(t, start)
	urgent := item("security", models.PriorityUrgent)
	urgent.Settings.QuietStart, urgent.Settings.QuietEnd = "22:00", "07:00"
	it.signal(time.Minute, urgent)
	it.run(t, time.Hour)
	require.Len(t, it.sent, 1)
	require.Equal(t, start.Add(time.Minute).UTC(), it.sent[0].at.UTC())
}

func TestInboxHoldsDigestsOverQuietHoursAcrossMidnight(t *testing.T) {
	start := time.Date(2026, 11, 25, 21, 50, 0, 0, paris) // quiet from 22:00 to 07:00 Paris time
	it := newInboxTest(t, start)
	n := item("artist:1", models.PriorityNormal)
	n.Settings.QuietStart, n.Settings.QuietEnd = "22:00", "07:00"
	it.signal(0, n) // due 22:05: quiet
	it.run(t, 12*time.Hour)
	require.Len(t, it.sent, 1)
	require.Equal(t, time.Date(2026, 11, 26, 7, 0, 0, 0, paris).UTC(), it.sent[0].at.UTC())
}

func TestInboxCapsEachChannelPerHour(t *testing.T) {
	it := newInboxTest(t, noon)
	for _, g := range []string{"a", "b", "c"} {
		n := item(g, models.PriorityNormal)
		n.Settings.CapPerHour = map[models.Channel]int{models.ChannelEmail: 2}
		it.signal(0, n)
		p := n
		p.Channel = models.ChannelPush // another channel has its own cap
		it.signal(0, p)
	}
	it.run(t, 3*time.Hour)
	var email []time.Time
	push := 0
	for _, s := range it.sent {
		if s.d.Channel == models.ChannelEmail {
			email = append(email, s.at)
		} else {
			push++
		}
	}
	require.Equal(t, 3, push)
	require.Equal(t, []time.Time{noon.Add(15 * time.Minute), noon.Add(15 * time.Minute), noon.Add(75 * time.Minute)}, email,
		"the third email waits until the first leaves the hour")
}

func TestInboxDropsExpiredNotifications(t *testing.T) {
	it := newInboxTest(t, noon)
	n := item("party:1", models.PriorityHigh)
	exp := noon.Add(10 * time.Minute) // the party reminder is stale before the window closes
	n.ExpiresAt = &exp
	it.signal(0, n)
	it.run(t, time.Hour)
	require.Empty(t, it.sent)
}

func TestInboxContinuesAsNewWithItsBuffer(t *testing.T) {
	it := newInboxTest(t, noon)
	for i := range 501 {
		it.signal(time.Duration(i)*time.Millisecond, item("artist:1", models.PriorityNormal))
	}
	it.env.ExecuteWorkflow(workflows.InboxWorkflow, workflows.InboxState{UserID: "u1"})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(it.env.GetWorkflowError(), &can))
	var carried workflows.InboxState
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &carried))
	require.Len(t, carried.Pending["email|artist:1"], 500, "the buffer crosses into the next run")
	require.Equal(t, noon.Add(15*time.Minute), carried.Due["email|artist:1"].UTC())
	require.Equal(t, "u1", carried.UserID)
	require.Empty(t, it.sent)
}
