package workflows

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// The release: one workflow per scheduled piece of content
// (release/{contentID}) that tells each audience when its window opens:
// superfans at PublicAt minus their tier's early access, then supporters,
// then followers who are not members at PublicAt.
//
// It decides no access: the api asks models.CanAccess with the request's
// clock and the content's public_at, so a worker that is down or late
// holds no release back; the workflow only announces.
const (
	UpdateReschedule    = "reschedule"
	UpdateCancelRelease = "cancel"
	ReleaseQuery        = "state"
)

// ReleaseID is the workflow ID of a content's release.
func ReleaseID(contentID uuid.UUID) string { return "release/" + contentID.String() }

// releaseKey is the key of a phase's announcement: the notifier derives
// the broadcast id from it, so a retried activity (or a later run of the
// same release) announces the phase once.
func releaseKey(contentID uuid.UUID, phase models.ReleasePhase) string {
	return ReleaseID(contentID) + "/" + string(phase)
}

// ReleaseState is a release as the state query and the updates show it.
type ReleaseState struct {
	ContentID   uuid.UUID             `json:"content_id"`
	ArtistID    uuid.UUID             `json:"artist_id"`
	PublicAt    time.Time             `json:"public_at"`
	Phase       models.ReleasePhase   `json:"phase"`
	NextPhaseAt *time.Time            `json:"next_phase_at"` // nil when no window is left to open
	Announced   []ReleaseAnnouncement `json:"announced"`
	Cancelled   bool                  `json:"cancelled"`
}

// ReleaseAnnouncement is a phase announced, and the broadcast that carries it.
type ReleaseAnnouncement struct {
	Phase       models.ReleasePhase `json:"phase"`
	BroadcastID string              `json:"broadcast_id"`
	At          time.Time           `json:"at"`
}

// releaseWindows are the phases in order and the tier each opens to; a
// phase opens at PublicAt minus its tier's EarlyAccess in the catalogue
// (a follower's is zero: public).
var releaseWindows = []struct {
	Phase models.ReleasePhase
	Tier  models.Tier
}{
	{models.ReleaseEarlySuperfan, models.TierSuperfan},
	{models.ReleaseEarlySupporter, models.TierSupporter},
	{models.ReleasePublic, models.TierFollower},
}

func opensAt(publicAt time.Time, tier models.Tier) time.Time {
	spec, _ := models.Spec(tier)
	return publicAt.Add(-spec.EarlyAccess)
}

type release struct {
	title   string
	st      ReleaseState
	changed workflow.Channel // a handler moved the release time or cancelled
}

// ReleaseWorkflow runs a release until it is public (done) or cancelled.
// Each wake sleeps on one timer until the next window opens, or until a
// reschedule or cancel re-plans. Windows that are already open when it
// wakes (a worker that was down, a release scheduled less than 48 h
// ahead, a reschedule earlier) open at once, in order, and each is still
// announced to its own audience once: the audiences are disjoint, and
// skipping an early one would leave those members untold, as the public
// announcement goes to non-members only. An announcement made once the
// release is public says it is out now rather than early.
func ReleaseWorkflow(ctx workflow.Context, r models.Release) (ReleaseState, error) {
	w := &release{
		title: r.Title,
		st: ReleaseState{ContentID: r.ContentID, ArtistID: r.ArtistID, PublicAt: r.PublicAt.UTC(), Phase: models.ReleaseScheduled,
			Announced: []ReleaseAnnouncement{}},
		changed: workflow.NewBufferedChannel(ctx, 1),
	}
	if err := w.register(ctx); err != nil {
		return w.st, err
	}
	for {
		for w.changed.ReceiveAsync(nil) {
		}
		if err := w.open(ctx); err != nil {
			return w.st, err
		}
		if w.st.Cancelled || w.st.Phase == models.ReleasePublic {
			break
		}
		timerCtx, stop := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.NewTimer(timerCtx, w.st.NextPhaseAt.Sub(workflow.Now(ctx))), func(workflow.Future) {})
		sel.AddReceive(w.changed, func(workflow.ReceiveChannel, bool) { stop() }) // the loop drains it
		sel.Select(ctx)
		stop()
	}
	end := models.ReleaseDone
	if w.st.Cancelled {
		end = models.ReleaseCancelled
	}
	w.st.NextPhaseAt = nil
	return w.st, w.enter(ctx, end)
}

// open opens every window due by now that this release has not announced,
// in order, and leaves the release in the phase of the time.
func (w *release) open(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	phase := models.ReleaseScheduled
	for _, win := range releaseWindows {
		if opensAt(w.st.PublicAt, win.Tier).After(now) {
			break
		}
		phase = win.Phase
		if w.announced(win.Phase) {
			continue
		}
		if w.st.Cancelled { // a cancel came while an earlier window was announced
			return nil
		}
		if err := w.enter(ctx, win.Phase); err != nil {
			return err
		}
		if err := w.announce(ctx, win.Phase, win.Tier, now); err != nil {
			return err
		}
	}
	w.st.NextPhaseAt = w.nextAt(now)
	return w.enter(ctx, phase)
}

// nextAt is when the first window after now opens.
func (w *release) nextAt(now time.Time) *time.Time {
	for _, win := range releaseWindows {
		if at := opensAt(w.st.PublicAt, win.Tier); at.After(now) {
			return &at
		}
	}
	return nil
}

func (w *release) announced(phase models.ReleasePhase) bool {
	for _, a := range w.st.Announced {
		if a.Phase == phase {
			return true
		}
	}
	return false
}

// enter moves the release to phase, upserting ReleasePhase only when it
// changes: each upsert is a history event and a visibility write.
func (w *release) enter(ctx workflow.Context, phase models.ReleasePhase) error {
	w.st.Phase = phase
	if got, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(searchattr.ReleasePhase); ok && got == string(phase) {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, searchattr.ReleasePhase.ValueSet(string(phase)))
}

// announce tells the audience of tier's window that it is open.
func (w *release) announce(ctx workflow.Context, phase models.ReleasePhase, tier models.Tier, now time.Time) error {
	audience := models.NonMembers(w.st.ArtistID)
	title, body := "Out now: "+clip(w.title, 150), ""
	if tier != models.TierFollower {
		audience = models.Members(w.st.ArtistID, tier)
		if now.Before(w.st.PublicAt) {
			title = "Early access: " + clip(w.title, 150)
			body = fmt.Sprintf("You can listen now as a %s, before everyone else on %s.", tier, w.st.PublicAt.Format("Mon 2 Jan 2006 15:04 MST"))
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Minute},
	})
	var a *activities.Release
	var id string
	in := activities.Announcement{ContentID: w.st.ContentID, Key: releaseKey(w.st.ContentID, phase), GroupKey: ReleaseID(w.st.ContentID), Audience: audience, Title: title, Body: body}
	if err := workflow.ExecuteActivity(actx, a.Announce, in).Get(ctx, &id); err != nil {
		return err
	}
	w.st.Announced = append(w.st.Announced, ReleaseAnnouncement{Phase: phase, BroadcastID: id, At: now})
	return nil
}

// clip cuts s to at most n bytes on a rune boundary, so that a long title
// still makes a valid notification.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if i > n {
			break
		}
		cut = i
	}
	return s[:cut] + "…"
}
