package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
)

// The membership: one workflow per fan and artist
// (subscription/{artistID}/{fanID}) for the whole life of a paid
// membership. Each run holds one billing period and continues as new at
// its end, carrying the state.
const (
	UpdateSubscribe        = "subscribe"
	UpdateChangeTier       = "changeTier"
	UpdateCancel           = "cancel"
	UpdateResume           = "resume"
	SignalPaymentSucceeded = "paymentSucceeded"
	SignalPaymentFailed    = "paymentFailed"
	MembershipQuery        = "state"
)

// paidAccess is the change (workflow.GetVersion) after which subscribe
// and changeTier read the club's terms from the database instead of taking
// their caller's, give nothing for a first charge or an upgrade the
// provider is still processing, and prorate the DMs an upgrade grants (an
// upgrade too late in the period to cost a cent waits for the period end).
// It is asked for where they decide, so renewals pay no marker for it.
const paidAccess = "paid-access"

func paid(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, paidAccess, workflow.DefaultVersion, 1) == 1
}

// SubscriptionID is the workflow ID of a fan's membership in an artist's club.
func SubscriptionID(artistID, fanID string) string {
	return subscriptionPrefix + artistID + "/" + fanID
}

const subscriptionPrefix = "subscription/"

// IsSubscriptionID reports whether id is a membership's workflow ID.
func IsSubscriptionID(id string) bool { return strings.HasPrefix(id, subscriptionPrefix) }

// DunningSchedule: after a failed charge, retries this long after the
// failure; after the last one fails the membership is canceled.
var DunningSchedule = []time.Duration{24 * time.Hour, 72 * time.Hour, 120 * time.Hour}

// supportMilestones fire after months of continuous support.
var supportMilestones = []struct {
	Key    string
	Months int
}{
	{models.MilestoneSupport1Month, 1}, {models.MilestoneSupport6Months, 6}, {models.MilestoneSupport1Year, 12},
}

// Membership is the state of a membership, carried across continue-as-new
// and shown by the state query. Times are absolute; every timer derives
// from them and workflow.Now.
type Membership struct {
	ArtistID      string
	FanID         string
	Status        models.SubscriptionStatus // "" until the subscribe update succeeds
	Tier          models.Tier
	PendingTier   models.Tier // a tier change waiting for the period end
	Terms         models.Terms
	Customer      string // the payment provider's customer and card
	PaymentMethod string
	MemberSince   time.Time // start of continuous support; periods count from it
	BillingKey    string    // prefix of this membership's idempotency keys: workflow id / first run id
	Period        int
	PeriodStart   time.Time
	PeriodEnd     time.Time
	PeriodCents   int64       // paid for the current period's tier
	FailedAt      time.Time   // first failed charge of the current period (past_due)
	Retries       int         // dunning retries made since
	AwaitingKey   string      // a charge the provider will settle by webhook
	AwaitingTier  models.Tier // the upgrade that charge buys, given once it succeeds
	QuotaWithheld int         // DMs of the tier this period does not grant: an upgrade grants its prorated share
	Milestones    []string    // support milestones awarded
	EndedAt       *time.Time
}

// SubscribeInput is the subscribe update: the tier and the card. Terms
// are read only by runs from before paidAccess (an api may still send
// them to an older worker during a deploy); later runs read the club's.
type SubscribeInput struct {
	Tier          models.Tier
	Customer      string
	PaymentMethod string
	Terms         models.Terms
}

// ChangeTierInput is the changeTier update; Terms as in SubscribeInput.
type ChangeTierInput struct {
	Tier  models.Tier
	Terms models.Terms
}

// PaymentEvent is what the payment provider's webhook reports of a charge.
type PaymentEvent struct {
	Key           string
	PaymentID     string
	FailureReason string
}

type membership struct {
	st       Membership
	id       string
	lock     workflow.Mutex
	rolled   bool // this run opened a new period: time to continue as new
	attempts int  // subscribe attempts in this run
}

// SubscriptionWorkflow runs a membership: it charges each calendar-month
// period, opens its DM quota, applies tier changes, cancels at period end,
// dunns failed payments and awards support milestones.
func SubscriptionWorkflow(ctx workflow.Context, st Membership) (Membership, error) {
	m := &membership{st: st, id: workflow.GetInfo(ctx).WorkflowExecution.ID, lock: workflow.NewMutex(ctx)}
	if err := m.register(ctx); err != nil {
		return m.st, err
	}
	succeeded := workflow.GetSignalChannel(ctx, SignalPaymentSucceeded)
	failed := workflow.GetSignalChannel(ctx, SignalPaymentFailed)
	if m.st.Status == "" {
		// A run is started by Update-with-Start, so its subscribe is on the
		// way: waiting for it takes no timer. A declined card may try again
		// within the hour; after that the run ends without a membership.
		if err := workflow.Await(ctx, func() bool { return m.attempts > 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
			return m.st, err
		}
		if m.st.Status == "" { // AwaitWithTimeout starts its timer even when the condition holds
			if _, err := workflow.AwaitWithTimeout(ctx, time.Hour, func() bool { return m.st.Status != "" }); err != nil {
				return m.st, err
			}
		}
	}
	for m.st.Status != "" && m.st.Status != models.StatusCanceled && !m.rolled && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		// A wake time computed while a handler runs would be stale (and
		// its timer wasted): let handlers finish first.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return m.st, err
		}
		// One timer per wake time: a handler wakes the loop only when it
		// moves the wake time or ends the membership.
		wake := m.nextWake()
		if d := wake.Sub(workflow.Now(ctx)); d > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, d, func() bool {
				return !m.nextWake().Equal(wake) || m.st.Status == models.StatusCanceled || succeeded.Len() > 0 || failed.Len() > 0
			}); err != nil {
				return m.st, err
			}
		}
		if err := m.step(ctx, succeeded, failed); err != nil {
			return m.st, err
		}
	}
	// Nothing may be lost across the end of this run: let handlers finish,
	// then take the signals that came meanwhile.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return m.st, err
	}
	if err := m.step(ctx, succeeded, failed); err != nil {
		return m.st, err
	}
	if m.st.Status == "" || m.st.Status == models.StatusCanceled {
		return m.st, nil
	}
	return m.st, workflow.NewContinueAsNewError(ctx, SubscriptionWorkflow, m.st)
}

// withActivities is ctx with the options of the membership's activities. Update
// handlers get the workflow's root context, so every call goes through it.
// Charges and records are local activities: the fan's subscribe answer
// then waits for one workflow task, not a round trip per activity.
func withActivities(ctx workflow.Context) workflow.Context {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Minute},
	})
}

// step does what is due: payment events, milestones, a dunning retry, the
// period end.
func (m *membership) step(ctx workflow.Context, succeeded, failed workflow.ReceiveChannel) error {
	if err := m.lock.Lock(ctx); err != nil {
		return err
	}
	defer m.lock.Unlock()
	for _, ch := range []workflow.ReceiveChannel{succeeded, failed} {
		var ev PaymentEvent
		for ch.ReceiveAsync(&ev) {
			if err := m.onPayment(ctx, ev, ch == succeeded); err != nil {
				return err
			}
		}
	}
	if m.st.Status == "" || m.st.Status == models.StatusCanceled || m.rolled {
		return nil
	}
	now := workflow.Now(ctx)
	for key, due, ok := m.nextMilestone(); ok && !due.After(now) && m.st.Status != models.StatusPastDue && m.st.Status != models.StatusPending; key, due, ok = m.nextMilestone() {
		var a *activities.Membership
		award := activities.MilestoneAward{ArtistID: uuid.MustParse(m.st.ArtistID), FanID: uuid.MustParse(m.st.FanID), Key: key, At: due}
		if err := workflow.ExecuteActivity(withActivities(ctx), a.AwardMilestone, award).Get(ctx, nil); err != nil {
			return err
		}
		m.st.Milestones = append(m.st.Milestones, key)
	}
	switch {
	case m.st.Status == models.StatusPastDue && !m.retryAt().After(now):
		return m.retry(ctx)
	case !m.st.PeriodEnd.After(now):
		return m.renew(ctx)
	}
	return nil
}

// nextWake is the earliest time something is due.
func (m *membership) nextWake() time.Time {
	wake := m.st.PeriodEnd
	switch m.st.Status {
	case models.StatusPastDue:
		return minTime(wake, m.retryAt())
	case models.StatusPending: // no milestone before the first charge succeeds
		return wake
	}
	if _, due, ok := m.nextMilestone(); ok {
		wake = minTime(wake, due)
	}
	return wake
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (m *membership) nextMilestone() (string, time.Time, bool) {
	for _, ms := range supportMilestones {
		if !contains(m.st.Milestones, ms.Key) {
			return ms.Key, AddMonths(m.st.MemberSince, ms.Months), true
		}
	}
	return "", time.Time{}, false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (m *membership) retryAt() time.Time { return m.st.retryAt() }

// retryAt is when the next dunning retry is due.
func (st Membership) retryAt() time.Time {
	return st.FailedAt.Add(DunningSchedule[min(st.Retries, len(DunningSchedule)-1)])
}

func (m *membership) periodKey() string {
	return fmt.Sprintf("%s/period/%d", m.st.BillingKey, m.st.Period)
}

// renew ends a canceling membership (or one whose first charge never
// settled), or opens the next period and charges it.
func (m *membership) renew(ctx workflow.Context) error {
	if m.st.Status == models.StatusCanceling || m.st.Status == models.StatusPending {
		return m.end(ctx, m.st.PeriodEnd)
	}
	m.st.Period++
	m.st.PeriodStart, m.st.PeriodEnd = m.st.PeriodEnd, AddMonths(m.st.MemberSince, m.st.Period)
	if m.st.PendingTier != "" {
		m.st.Tier, m.st.PendingTier = m.st.PendingTier, ""
	}
	m.st.QuotaWithheld = 0
	if m.st.AwaitingTier != "" {
		// An upgrade still processing lapses with the period it was for.
		m.st.AwaitingKey, m.st.AwaitingTier = "", ""
	}
	m.rolled = true
	price := m.st.Terms.Price(m.st.Tier)
	out, err := m.charge(ctx, m.st.Tier, m.periodKey(), "renewal", price)
	if err != nil {
		return err
	}
	m.settled(ctx, m.periodKey(), out, price)
	return m.record(ctx)
}

// retry is a dunning retry; after the last failure the membership ends.
func (m *membership) retry(ctx workflow.Context) error {
	m.st.Retries++
	price := m.st.Terms.Price(m.st.Tier)
	key := fmt.Sprintf("%s/retry/%d", m.periodKey(), m.st.Retries)
	out, err := m.charge(ctx, m.st.Tier, key, "retry", price)
	if err != nil {
		return err
	}
	if out.Status == models.PaymentFailed && m.st.Retries >= len(DunningSchedule) {
		return m.end(ctx, workflow.Now(ctx))
	}
	m.settled(ctx, key, out, price)
	return m.record(ctx)
}

// settled applies a charge's outcome to the status.
func (m *membership) settled(ctx workflow.Context, key string, out activities.ChargeOutcome, price int64) {
	switch out.Status {
	case models.PaymentSucceeded:
		m.st.Status, m.st.FailedAt, m.st.Retries, m.st.PeriodCents = models.StatusActive, time.Time{}, 0, price
	case models.PaymentPending:
		m.st.AwaitingKey, m.st.PeriodCents = key, price
	case models.PaymentFailed:
		if m.st.Status != models.StatusPastDue {
			m.st.Status, m.st.FailedAt, m.st.Retries = models.StatusPastDue, workflow.Now(ctx), 0
		}
	}
}

// onPayment takes a webhook's word on a charge of this membership.
func (m *membership) onPayment(ctx workflow.Context, ev PaymentEvent, ok bool) error {
	if !strings.HasPrefix(ev.Key, m.st.BillingKey+"/") || m.st.BillingKey == "" {
		workflow.GetLogger(ctx).Warn("payment event for another membership ignored", "key", ev.Key)
		return nil
	}
	out := activities.ChargeOutcome{PaymentID: ev.PaymentID, Status: models.PaymentFailed, FailureReason: ev.FailureReason}
	if ok {
		out.Status, out.FailureReason = models.PaymentSucceeded, ""
	}
	var a *activities.Membership
	if err := workflow.ExecuteLocalActivity(withActivities(ctx), a.Settle, ev.Key, out).Get(ctx, nil); err != nil {
		return err
	}
	current := strings.HasPrefix(ev.Key, m.periodKey()+"/") || ev.Key == m.periodKey()
	awaited := ev.Key == m.st.AwaitingKey
	switch {
	case awaited:
		m.st.AwaitingKey = ""
	case ok && current && m.st.Status == models.StatusPastDue:
		// a failed charge of this period went through after all
	default:
		return nil // a replay, or news of a charge already settled
	}
	switch {
	case awaited && m.st.AwaitingTier != "":
		if ok {
			m.upgraded(ctx, m.st.AwaitingTier)
		}
		m.st.AwaitingTier = "" // a failed upgrade leaves the paid tier as it was
	case m.st.Status == models.StatusPending && !ok:
		return m.end(ctx, workflow.Now(ctx)) // the first charge failed: the membership never began
	default:
		m.settled(ctx, ev.Key, out, m.st.PeriodCents)
	}
	return m.record(ctx)
}

// end cancels the membership at the given time.
func (m *membership) end(ctx workflow.Context, at time.Time) error {
	m.st.Status, m.st.EndedAt, m.st.PendingTier = models.StatusCanceled, &at, ""
	return m.record(ctx)
}

// charge charges cents for a tier of the current period.
func (m *membership) charge(ctx workflow.Context, tier models.Tier, key, reason string, cents int64) (activities.ChargeOutcome, error) {
	var a *activities.Membership
	var out activities.ChargeOutcome
	err := workflow.ExecuteLocalActivity(withActivities(ctx), a.Charge, activities.ChargeRequest{
		WorkflowID: m.id, IdempotencyKey: key, ArtistID: uuid.MustParse(m.st.ArtistID), FanID: uuid.MustParse(m.st.FanID),
		Tier: tier, Period: m.st.Period, PeriodStart: m.st.PeriodStart, PeriodEnd: m.st.PeriodEnd, Reason: reason,
		AmountCents: cents, Currency: m.st.Terms.Currency, Customer: m.st.Customer, PaymentMethod: m.st.PaymentMethod,
	}).Get(ctx, &out)
	return out, err
}

// terms are the club's terms, read from the database: what the caller
// gave is taken only by runs from before paidAccess.
func (m *membership) terms(ctx workflow.Context, given models.Terms) (models.Terms, error) {
	if !paid(ctx) {
		return given, nil
	}
	var a *activities.Membership
	var terms models.Terms
	err := workflow.ExecuteLocalActivity(withActivities(ctx), a.ClubTerms, uuid.MustParse(m.st.ArtistID)).Get(ctx, &terms)
	return terms, err
}

// record writes the mirror and quota rows and the search attributes.
func (m *membership) record(ctx workflow.Context) error {
	st := m.st
	sub := st.Subscription(m.id)
	var a *activities.Membership
	if err := workflow.ExecuteLocalActivity(withActivities(ctx), a.Record, sub, st.PeriodQuota(), st.EndedAt).Get(ctx, nil); err != nil {
		return err
	}
	if updates := searchAttributeChanges(workflow.GetTypedSearchAttributes(ctx), sub); len(updates) > 0 {
		return workflow.UpsertTypedSearchAttributes(ctx, updates...)
	}
	return nil
}

// RenewalAttributeSlack: a NextRenewalAt search attribute this close to
// the renewal counts as right. The api starts a membership with its own
// estimate, and the subscribe corrects it only when it is further off.
const RenewalAttributeSlack = time.Minute

// searchAttributeChanges are the updates that bring the workflow's
// search attributes to the membership's state; each upsert is a history
// event and a visibility write, so unchanged values are left alone (a
// renewal time within RenewalAttributeSlack counts as unchanged).
func searchAttributeChanges(have temporal.SearchAttributes, sub models.Subscription) []temporal.SearchAttributeUpdate {
	var out []temporal.SearchAttributeUpdate
	keep := func(key temporal.SearchAttributeKeyKeyword, want string, u temporal.SearchAttributeUpdate) {
		if got, ok := have.GetKeyword(key); !ok || got != want {
			out = append(out, u)
		}
	}
	keep(searchattr.Tier, string(sub.Tier), searchattr.Tier.ValueSet(string(sub.Tier)))
	keep(searchattr.SubscriptionStatus, string(sub.Status), searchattr.SubscriptionStatus.ValueSet(string(sub.Status)))
	got, ok := have.GetTime(searchattr.NextRenewalAt)
	switch {
	case sub.NextChargeAt == nil && ok:
		out = append(out, searchattr.NextRenewalAt.ValueUnset())
	case sub.NextChargeAt != nil && (!ok || got.Sub(*sub.NextChargeAt).Abs() > RenewalAttributeSlack):
		out = append(out, searchattr.NextRenewalAt.ValueSet(sub.NextChargeAt.UTC()))
	}
	return out
}

// PeriodQuota is the number of DMs the current period grants.
func (st Membership) PeriodQuota() int {
	if st.Status == models.StatusPending {
		return 0
	}
	return st.Terms.Quota(st.Tier) - st.QuotaWithheld
}

// WorkflowID is the ID of the membership's workflow.
func (st Membership) WorkflowID() string { return SubscriptionID(st.ArtistID, st.FanID) }

// Subscription is the state as the mirror row holds it.
func (st Membership) Subscription(workflowID string) models.Subscription {
	sub := models.Subscription{
		ArtistID: uuid.MustParse(st.ArtistID), FanID: uuid.MustParse(st.FanID), WorkflowID: workflowID,
		Tier: st.Tier, PendingTier: st.PendingTier, Status: st.Status, MemberSince: st.MemberSince,
		Period: st.Period, PeriodStart: st.PeriodStart, PeriodEnd: st.PeriodEnd, Currency: st.Terms.Currency,
	}
	next := st.Tier
	if st.PendingTier != "" {
		next = st.PendingTier
	}
	sub.PriceCents = st.Terms.Price(next)
	switch st.Status {
	case models.StatusActive:
		sub.NextChargeAt = &st.PeriodEnd
	case models.StatusPastDue:
		at := st.retryAt()
		sub.NextChargeAt = &at
	}
	return sub
}
