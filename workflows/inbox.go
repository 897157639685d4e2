package workflows

import (
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
)

// The inbox: one workflow per user (inbox/{userID}) that throttles what
// leaves the platform by email and push. The in-app row and the socket
// event are sent before it; this workflow only decides when the other
// channels go out, and as what.
const (
	InboxSignal = "notify"
	InboxQuery  = "state"
	// inboxHistoryBudget: signals handled before continuing as new.
	inboxHistoryBudget = 500
)

// InboxID is the workflow ID of a user's inbox.
func InboxID(userID string) string { return "inbox/" + userID }

// InboxState is the inbox carried across continue-as-new, and what the
// state query shows operators.
type InboxState struct {
	UserID  string
	Pending map[string][]models.InboxItem  // channel|group → items, oldest first
	Due     map[string]time.Time           // channel|group → when the digest goes
	Sent    map[models.Channel][]time.Time // sends of the last hour, per channel
	Handled int                            // signals handled in this run
}

// InboxWorkflow buffers notifications by channel and group key and sends
// one digest per group when its window closes, outside quiet hours and
// under the hourly cap; urgent ones go at once; expired ones are dropped.
func InboxWorkflow(ctx workflow.Context, st InboxState) error {
	if st.Pending == nil {
		st.Pending, st.Due, st.Sent = map[string][]models.InboxItem{}, map[string]time.Time{}, map[models.Channel][]time.Time{}
	}
	st.Handled = 0
	if err := workflow.SetQueryHandler(ctx, InboxQuery, func() (InboxState, error) { return st, nil }); err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	signals := workflow.GetSignalChannel(ctx, InboxSignal)
	for {
		if err := flushDue(ctx, &st); err != nil {
			return err
		}
		if st.Handled >= inboxHistoryBudget || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			for { // signals not yet received would be lost across continue-as-new
				var it models.InboxItem
				if !signals.ReceiveAsync(&it) {
					break
				}
				add(&st, it, workflow.Now(ctx))
			}
			return workflow.NewContinueAsNewError(ctx, InboxWorkflow, st)
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var it models.InboxItem
			c.Receive(ctx, &it)
			st.Handled++
			add(&st, it, workflow.Now(ctx))
		})
		timerCtx, cancel := workflow.WithCancel(ctx)
		if next, ok := nextDue(st); ok {
			sel.AddFuture(workflow.NewTimer(timerCtx, next.Sub(workflow.Now(ctx))), func(workflow.Future) {})
		}
		sel.Select(ctx)
		cancel()
		if ctx.Err() != nil { // canceled by an operator
			return ctx.Err()
		}
	}
}

func groupOf(it models.InboxItem) string { return string(it.Channel) + "|" + it.GroupKey }

// add buffers an item; its group is due a digest window after its first item.
func add(st *InboxState, it models.InboxItem, now time.Time) {
	k := groupOf(it)
	if _, ok := st.Due[k]; !ok {
		st.Due[k] = now.Add(it.Settings.DigestWindow)
	}
	if it.Priority == models.PriorityUrgent {
		st.Due[k] = now
	}
	st.Pending[k] = append(st.Pending[k], it)
}

func nextDue(st InboxState) (time.Time, bool) {
	var next time.Time
	// The earliest is the same in any order.
	//workflowcheck:ignore
	for _, t := range st.Due {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, !next.IsZero()
}

// flushDue sends every group whose time has come, in a fixed order.
func flushDue(ctx workflow.Context, st *InboxState) error {
	now := workflow.Now(ctx)
	keys := make([]string, 0, len(st.Due))
	//workflowcheck:ignore
	for k, t := range st.Due { // sorted below
		if !t.After(now) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // map order is random; workflow code must not be
	for _, k := range keys {
		items := live(st.Pending[k], now)
		if len(items) == 0 {
			delete(st.Pending, k)
			delete(st.Due, k)
			continue
		}
		urgent := false
		for _, it := range items {
			urgent = urgent || it.Priority == models.PriorityUrgent
		}
		last := items[len(items)-1]
		if !urgent {
			if end, quiet := last.Settings.QuietUntil(now); quiet {
				st.Due[k] = end
				continue
			}
			if at, capped := capFreeAt(st, last.Channel, last.Settings, now); capped {
				st.Due[k] = at
				continue
			}
		}
		d := models.Digest{UserID: st.UserID, Channel: last.Channel, GroupKey: last.GroupKey, Items: items}
		var a *activities.Inbox
		if err := workflow.ExecuteActivity(ctx, a.Deliver, d).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("digest not delivered", "channel", d.Channel, "error", err)
		}
		st.Sent[last.Channel] = append(st.Sent[last.Channel], now)
		delete(st.Pending, k)
		delete(st.Due, k)
	}
	return nil
}

// live drops the items that expired while they waited.
func live(items []models.InboxItem, now time.Time) []models.InboxItem {
	out := items[:0:0]
	for _, it := range items {
		if it.ExpiresAt == nil || it.ExpiresAt.After(now) {
			out = append(out, it)
		}
	}
	return out
}

// capFreeAt reports whether the channel used its hourly cap and, if so,
// when the oldest send of the hour leaves the window.
func capFreeAt(st *InboxState, ch models.Channel, s models.InboxSettings, now time.Time) (time.Time, bool) {
	hour := now.Add(-time.Hour)
	recent := st.Sent[ch][:0:0]
	for _, t := range st.Sent[ch] {
		if t.After(hour) {
			recent = append(recent, t)
		}
	}
	st.Sent[ch] = recent
	limit := s.CapPerHour[ch]
	if limit == 0 || len(recent) < limit {
		return time.Time{}, false
	}
	return recent[len(recent)-limit].Add(time.Hour), true
}
