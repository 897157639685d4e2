package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// memberTest runs a membership run after run (each run is one billing
// period) in the time-skipping environment, with the real activities on
// a real PostgreSQL database and the sandbox payment provider.
type memberTest struct {
	t           *testing.T
	st          *store.Store
	artist, fan uuid.UUID
	acts        *activities.Membership
	runs        int
}

func newMemberTest(t *testing.T) *memberTest {
	st := testenv.Postgres(t)
	ctx := context.Background()
	artist := &models.User{ID: models.NewID(), Email: "artist@example.com", Role: models.RoleArtist, DisplayName: "Nova", TimeZone: "UTC"}
	fan := &models.User{ID: models.NewID(), Email: "fan@example.com", Role: models.RoleFan, DisplayName: "Kai", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(ctx, artist, &models.Artist{Slug: "nova", Name: "Nova"}))
	require.NoError(t, st.CreateUser(ctx, fan, nil))
	mt := &memberTest{t: t, st: st, artist: artist.ID, fan: fan.ID}
	now := func() time.Time { return time.Now().UTC() }
	mt.acts = &activities.Membership{Store: st, Billing: &billing.Sandbox{Store: st, Now: now}, Now: now}
	return mt
}

func (mt *memberTest) start() workflows.Membership {
	return workflows.Membership{ArtistID: mt.artist.String(), FanID: mt.fan.String()}
}

// run executes one run from st starting at the given time; script
// schedules updates and signals. It returns the state the run ended with
// and whether it continued as new.
func (mt *memberTest) run(at time.Time, st workflows.Membership, script func(r *memberRun)) (workflows.Membership, bool) {
	t := mt.t
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(at)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.SubscriptionID(st.ArtistID, st.FanID)})
	env.RegisterWorkflow(workflows.SubscriptionWorkflow)
	env.RegisterActivity(mt.acts)
	if script != nil {
		script(&memberRun{env: env, start: at})
	}
	env.ExecuteWorkflow(workflows.SubscriptionWorkflow, st)
	mt.runs++
	require.True(t, env.IsWorkflowCompleted())
	if err := env.GetWorkflowError(); err != nil {
		var can *workflow.ContinueAsNewError
		require.True(t, errors.As(err, &can), "run failed: %v", err)
		var next workflows.Membership
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
		return next, true
	}
	var out workflows.Membership
	require.NoError(t, env.GetWorkflowResult(&out))
	return out, false
}

// runUntil runs the chain until it stops continuing as new or done says so.
func (mt *memberTest) runUntil(st workflows.Membership, done func(workflows.Membership) bool, script func(r *memberRun)) workflows.Membership {
	for more := true; more && !done(st); {
		st, more = mt.run(st.PeriodStart, st, script)
	}
	return st
}

type memberRun struct {
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
}

// outcome is an update's answer, filled in when the run reaches it.
type outcome struct {
	done bool
	st   workflows.Membership
	err  error
}

func (o *outcome) code() models.Code {
	var app *temporal.ApplicationError
	if errors.As(o.err, &app) {
		return models.Code(app.Type())
	}
	return ""
}

// at runs fn at a workflow time.
func (r *memberRun) at(when time.Time, fn func()) {
	r.env.RegisterDelayedCallback(fn, when.Sub(r.start))
}

// update sends an update at a workflow time.
func (r *memberRun) update(when time.Time, name string, args ...any) *outcome {
	o := &outcome{}
	r.at(when, func() {
		r.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.done, o.err = true, err },
			OnComplete: func(v any, err error) {
				o.done, o.err = true, err
				if err == nil {
					o.st = v.(workflows.Membership)
				}
			},
		}, args...)
	})
	return o
}

func (mt *memberTest) subscribe(r *memberRun, when time.Time, tier models.Tier) *outcome {
	return r.update(when, workflows.UpdateSubscribe, workflows.SubscribeInput{
		Tier: tier, Customer: billing.SandboxCustomer(mt.fan), PaymentMethod: "pm_card_visa", Terms: models.DefaultTerms(),
	})
}

func (mt *memberTest) decline(reason string) {
	require.NoError(mt.t, mt.st.SetSandboxDecline(context.Background(), models.SandboxCard{
		Customer: billing.SandboxCustomer(mt.fan), Decline: reason, UpdatedAt: time.Now()}))
}

func (mt *memberTest) payments() []models.Payment {
	return testenv.Rows[models.Payment](mt.t, mt.st, "created_at, id", "artist_id = ? AND fan_id = ?", mt.artist, mt.fan)
}

func (mt *memberTest) quotas() []models.QuotaPeriod {
	return testenv.Rows[models.QuotaPeriod](mt.t, mt.st, "period_start", "artist_id = ? AND fan_id = ?", mt.artist, mt.fan)
}

func (mt *memberTest) milestones() []models.UserMilestone {
	return testenv.Rows[models.UserMilestone](mt.t, mt.st, "awarded_at", "user_id = ? AND artist_id = ?", mt.fan, mt.artist)
}

func (mt *memberTest) mirror() *models.Subscription {
	sub, err := mt.st.Membership(context.Background(), mt.artist, mt.fan)
	require.NoError(mt.t, err)
	return sub
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }

func TestMembershipYearFromThe31st(t *testing.T) {
	mt := newMemberTest(t)
	start := day(2027, 1, 31)
	var sub *outcome
	st, more := mt.run(start, mt.start(), func(r *memberRun) { sub = mt.subscribe(r, start, models.TierSuperfan) })
	require.True(t, sub.done)
	require.NoError(t, sub.err)
	require.Equal(t, models.StatusActive, sub.st.Status)
	require.True(t, more, "each period is one run")
	st = mt.runUntil(st, func(s workflows.Membership) bool { return s.Period == 12 }, nil)
	require.Equal(t, start, st.MemberSince, "continue-as-new keeps the state")
	// Cancel in the twelfth period: access until its end, then the end.
	var cancel *outcome
	st, more = mt.run(st.PeriodStart, st, func(r *memberRun) {
		cancel = r.update(st.PeriodStart.Add(24*time.Hour), workflows.UpdateCancel)
	})
	require.NoError(t, cancel.err)
	require.Equal(t, models.StatusCanceling, cancel.st.Status)
	require.False(t, more)
	require.Equal(t, models.StatusCanceled, st.Status)
	require.Equal(t, 12, mt.runs, "one run per period")

	want := []time.Time{day(2027, 1, 31), day(2027, 2, 28), day(2027, 3, 31), day(2027, 4, 30), day(2027, 5, 31),
		day(2027, 6, 30), day(2027, 7, 31), day(2027, 8, 31), day(2027, 9, 30), day(2027, 10, 31), day(2027, 11, 30),
		day(2027, 12, 31), day(2028, 1, 31)}
	payments := mt.payments()
	require.Len(t, payments, 12, "12 charges")
	for i, p := range payments {
		require.Equal(t, models.PaymentSucceeded, p.Status)
		require.EqualValues(t, 1000, p.AmountCents)
		require.Equal(t, i+1, p.Period)
		require.True(t, want[i].Equal(p.PeriodStart), "period %d starts %s, want %s", i+1, p.PeriodStart, want[i])
		require.True(t, want[i+1].Equal(p.PeriodEnd))
	}
	quotas := mt.quotas()
	require.Len(t, quotas, 12, "12 quota resets")
	for i, q := range quotas {
		require.True(t, want[i].Equal(q.PeriodStart) && want[i+1].Equal(q.PeriodEnd), "quota %d: %s–%s", i+1, q.PeriodStart, q.PeriodEnd)
		require.Equal(t, 5, q.QuotaLimit)
	}
	ms := mt.milestones()
	require.Len(t, ms, 3, "each milestone once")
	for i, w := range []struct {
		key string
		at  time.Time
	}{{models.MilestoneSupport1Month, day(2027, 2, 28)}, {models.MilestoneSupport6Months, day(2027, 7, 31)}, {models.MilestoneSupport1Year, day(2028, 1, 31)}} {
		require.Equal(t, w.key, ms[i].Key)
		require.True(t, w.at.Equal(ms[i].AwardedAt), "%s at %s", w.key, ms[i].AwardedAt)
		require.Nil(t, ms[i].DeliveredAt, "the row is the outbox: the dispatcher delivers it")
	}
	require.Equal(t, models.StatusCanceled, mt.mirror().Status)
	require.Nil(t, mt.mirror().NextChargeAt)
}

func TestMembershipUpgradeProratesAndDowngradeWaits(t *testing.T) {
	mt := newMemberTest(t)
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) // a 31-day period
	var up, same, down *outcome
	st, _ := mt.run(start, mt.start(), func(r *memberRun) {
		mt.subscribe(r, start, models.TierSupporter)
		up = r.update(start.AddDate(0, 0, 15), workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSuperfan, Terms: models.DefaultTerms()})
		same = r.update(start.AddDate(0, 0, 16), workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSuperfan, Terms: models.DefaultTerms()})
		down = r.update(start.AddDate(0, 0, 20), workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSupporter, Terms: models.DefaultTerms()})
	})
	require.NoError(t, up.err)
	require.Equal(t, models.TierSuperfan, up.st.Tier, "an upgrade is at once")
	require.Equal(t, models.CodeConflict, same.code(), "changing to the same tier")
	require.NoError(t, down.err)
	require.Equal(t, models.TierSuperfan, down.st.Tier, "a downgrade waits for the period end")
	require.Equal(t, models.TierSupporter, down.st.PendingTier)
	require.Equal(t, models.TierSupporter, st.Tier, "and then applies")

	p := mt.payments()
	require.Len(t, p, 3)
	require.Equal(t, "upgrade", p[1].Reason)
	require.EqualValues(t, 258, p[1].AmountCents, "(1000−500) × 16/31 days, to the cent")
	require.Equal(t, "renewal", p[2].Reason)
	require.EqualValues(t, 500, p[2].AmountCents)
	q := mt.quotas()
	require.Equal(t, 3, q[0].QuotaLimit, "the upgrade raised this period's quota by 5 DMs × 16/31 days, to the nearest DM")
	require.Equal(t, 0, q[1].QuotaLimit)
}

func TestMembershipCancelThenResume(t *testing.T) {
	mt := newMemberTest(t)
	start := day(2027, 5, 10)
	var cancel, again, resume, resumeAgain *outcome
	st, more := mt.run(start, mt.start(), func(r *memberRun) {
		mt.subscribe(r, start, models.TierSupporter)
		cancel = r.update(start.AddDate(0, 0, 3), workflows.UpdateCancel)
		again = r.update(start.AddDate(0, 0, 4), workflows.UpdateCancel)
		resume = r.update(start.AddDate(0, 0, 5), workflows.UpdateResume)
		resumeAgain = r.update(start.AddDate(0, 0, 6), workflows.UpdateResume)
	})
	require.Equal(t, models.StatusCanceling, cancel.st.Status)
	require.Equal(t, models.CodeConflict, again.code(), "canceling twice")
	require.Equal(t, models.StatusActive, resume.st.Status)
	require.Equal(t, models.CodeConflict, resumeAgain.code(), "resuming an active membership")
	require.True(t, more)
	require.Equal(t, 2, st.Period, "resumed: renewed")
	require.Len(t, mt.payments(), 2)
}

// pastDue subscribes on April 1st 2027 and has the card declined before
// the renewal: the run ends past due, in period 2.
func (mt *memberTest) pastDue(tier models.Tier, reason string) workflows.Membership {
	start := day(2027, 4, 1)
	st, _ := mt.run(start, mt.start(), func(r *memberRun) {
		mt.subscribe(r, start, tier)
		r.at(start.AddDate(0, 0, 20), func() { mt.decline(reason) })
	})
	require.Equal(mt.t, models.StatusPastDue, st.Status, "the renewal failed")
	return st
}

func TestMembershipDunningEndsInCancellation(t *testing.T) {
	mt := newMemberTest(t)
	st := mt.pastDue(models.TierSuperfan, "card_declined")
	require.Equal(t, models.StatusPastDue, mt.mirror().Status)
	var cancelCheck *outcome
	st, more := mt.run(st.PeriodStart, st, func(r *memberRun) {
		cancelCheck = r.update(st.PeriodStart.Add(2*24*time.Hour), workflows.UpdateChangeTier,
			workflows.ChangeTierInput{Tier: models.TierSupporter, Terms: models.DefaultTerms()})
	})
	require.Equal(t, models.CodeConflict, cancelCheck.code(), "no tier change while past due")
	require.False(t, more)
	require.Equal(t, models.StatusCanceled, st.Status)
	ended := day(2027, 5, 1).Add(120 * time.Hour)
	require.True(t, ended.Equal(*st.EndedAt), "canceled after the last retry, 5 days on: %s", st.EndedAt)

	p := mt.payments()
	require.Len(t, p, 5) // first period, renewal, three retries
	for i, want := range []struct {
		reason string
		after  time.Duration
	}{{"renewal", 0}, {"retry", 24 * time.Hour}, {"retry", 72 * time.Hour}, {"retry", 120 * time.Hour}} {
		require.Equal(t, want.reason, p[i+1].Reason)
		require.Equal(t, models.PaymentFailed, p[i+1].Status)
		require.Equal(t, "card_declined", p[i+1].FailureReason)
	}
	require.Equal(t, models.StatusCanceled, mt.mirror().Status)
	q := mt.quotas()
	require.True(t, ended.Equal(q[1].PeriodEnd), "access ends with the membership")
}

// A past-due membership has no paid period left: a cancel ends it at once.
func TestMembershipCanceledWhilePastDueEndsAtOnce(t *testing.T) {
	mt := newMemberTest(t)
	st := mt.pastDue(models.TierSuperfan, "card_declined")
	at := st.PeriodStart.Add(6 * time.Hour)
	var cancel *outcome
	st, more := mt.run(st.PeriodStart, st, func(r *memberRun) { cancel = r.update(at, workflows.UpdateCancel) })
	require.NoError(t, cancel.err)
	require.Equal(t, models.StatusCanceled, cancel.st.Status)
	require.False(t, more)
	require.True(t, at.Equal(*st.EndedAt))
	require.Len(t, mt.payments(), 2, "no dunning retry after the cancel")
	require.True(t, at.Equal(mt.quotas()[1].PeriodEnd), "access ended with the cancel")
}

func TestMembershipRecoversInsideTheGracePeriod(t *testing.T) {
	mt := newMemberTest(t)
	st := mt.pastDue(models.TierSuperfan, "insufficient_funds")
	// The first retry fails; the card is fixed; the second goes through.
	st, more := mt.run(st.PeriodStart, st, func(r *memberRun) {
		r.at(st.PeriodStart.Add(48*time.Hour), func() { mt.decline("") })
	})
	require.True(t, more)
	require.Equal(t, models.StatusActive, st.Status)
	require.Equal(t, 3, st.Period)
	p := mt.payments()
	require.Equal(t, []models.PaymentStatus{models.PaymentSucceeded, models.PaymentFailed, models.PaymentFailed, models.PaymentSucceeded, models.PaymentSucceeded},
		[]models.PaymentStatus{p[0].Status, p[1].Status, p[2].Status, p[3].Status, p[4].Status})
	ms := mt.milestones()
	require.Len(t, ms, 1, "support was continuous: the 1-month milestone came")
}

func TestMembershipRecoversByWebhook(t *testing.T) {
	mt := newMemberTest(t)
	st := mt.pastDue(models.TierSupporter, "card_declined")
	failedKey := mt.payments()[1].IdempotencyKey
	st, more := mt.run(st.PeriodStart, st, func(r *memberRun) {
		r.at(st.PeriodStart.Add(6*time.Hour), func() {
			r.env.SignalWorkflow(workflows.SignalPaymentSucceeded, workflows.PaymentEvent{Key: "subscription/other/x/period/2", PaymentID: "pi_forged"})
			r.env.SignalWorkflow(workflows.SignalPaymentSucceeded, workflows.PaymentEvent{Key: failedKey, PaymentID: "pi_paid"})
			r.env.SignalWorkflow(workflows.SignalPaymentSucceeded, workflows.PaymentEvent{Key: failedKey, PaymentID: "pi_paid"}) // a replay
		})
	})
	require.True(t, more)
	require.Equal(t, 3, st.Period)
	p := mt.payments()
	require.Len(t, p, 3, "no retry was needed after the webhook")
	require.Equal(t, models.PaymentSucceeded, p[1].Status)
	require.Equal(t, "pi_paid", p[1].ProviderPaymentID)
}

func TestMembershipRefusesBadUpdates(t *testing.T) {
	mt := newMemberTest(t)
	start := day(2027, 6, 1)
	mt.decline("card_declined")
	var declined, follower, early, cancelNone, ok, twice *outcome
	st, _ := mt.run(start, mt.start(), func(r *memberRun) {
		cancelNone = r.update(start, workflows.UpdateCancel)
		follower = mt.subscribe(r, start, models.TierFollower)
		declined = mt.subscribe(r, start.Add(time.Minute), models.TierSuperfan)
		r.at(start.Add(2*time.Minute), func() { mt.decline("") })
		ok = mt.subscribe(r, start.Add(3*time.Minute), models.TierSuperfan)
		twice = mt.subscribe(r, start.Add(4*time.Minute), models.TierSupporter)
		early = r.update(start.Add(5*time.Minute), workflows.UpdateResume)
	})
	require.Equal(t, models.CodeNotFound, cancelNone.code())
	require.Equal(t, models.CodeInvalid, follower.code())
	require.Equal(t, models.CodePaymentFailed, declined.code())
	require.NoError(t, ok.err, "a declined card may try again")
	require.Equal(t, models.CodeConflict, twice.code(), "subscribing twice")
	require.Equal(t, models.CodeConflict, early.code())
	require.Equal(t, models.StatusActive, st.Status)
	p := mt.payments()
	require.Len(t, p, 3, "declined first charge, then the two periods")
	require.Equal(t, models.PaymentFailed, p[0].Status)
	require.NotEqual(t, p[0].IdempotencyKey, p[1].IdempotencyKey)
}

func TestMembershipDeclinedAndNotRetriedEndsQuietly(t *testing.T) {
	mt := newMemberTest(t)
	start := day(2027, 6, 1)
	var declined *outcome
	st, more := mt.run(start, mt.start(), func(r *memberRun) {
		declined = r.update(start, workflows.UpdateSubscribe, workflows.SubscribeInput{
			Tier: models.TierSupporter, Customer: billing.SandboxCustomer(mt.fan), PaymentMethod: "pm_card_chargeDeclined", Terms: models.DefaultTerms(),
		})
	})
	require.Equal(t, models.CodePaymentFailed, declined.code())
	require.False(t, more)
	require.Equal(t, models.SubscriptionStatus(""), st.Status)
	_, err := mt.st.Membership(context.Background(), mt.artist, mt.fan)
	require.ErrorIs(t, err, models.ErrNotFound, "nothing half-written")
}

// A supporter upgrades late in a 31-day period: the charge and the DMs it
// buys are prorated; an upgrade too late to cost a cent buys nothing now
// and waits for the period end, so a supporter cannot downgrade and
// upgrade again each month for a whole superfan quota at no cost.
func TestMembershipLateUpgrades(t *testing.T) {
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	for name, tc := range map[string]struct {
		at          time.Time
		cents       int64 // the upgrade charge; 0: none
		tier        models.Tier
		pendingTier models.Tier
		quota       int
	}{
		"half way":            {at: start.AddDate(0, 0, 15), cents: 258, tier: models.TierSuperfan, quota: 3},
		"four days before":    {at: end.Add(-96 * time.Hour), cents: 65, tier: models.TierSuperfan, quota: 1},
		"a day before":        {at: end.Add(-24 * time.Hour), tier: models.TierSupporter, pendingTier: models.TierSuperfan, quota: 0},
		"five minutes before": {at: end.Add(-5 * time.Minute), tier: models.TierSupporter, pendingTier: models.TierSuperfan, quota: 0},
	} {
		t.Run(name, func(t *testing.T) {
			mt := newMemberTest(t)
			var up *outcome
			st, _ := mt.run(start, mt.start(), func(r *memberRun) {
				mt.subscribe(r, start, models.TierSupporter)
				up = r.update(tc.at, workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSuperfan})
			})
			require.NoError(t, up.err)
			require.Equal(t, tc.tier, up.st.Tier)
			require.Equal(t, tc.pendingTier, up.st.PendingTier)
			p := mt.payments()
			if tc.cents == 0 {
				require.Len(t, p, 2, "no upgrade charge, only the first period and the renewal")
			} else {
				require.Len(t, p, 3)
				require.Equal(t, "upgrade", p[1].Reason)
				require.EqualValues(t, tc.cents, p[1].AmountCents)
			}
			q := mt.quotas()
			require.Equal(t, tc.quota, q[0].QuotaLimit, "DMs of the upgraded period")
			require.Equal(t, models.TierSuperfan, st.Tier, "the next period is superfan in every case")
			renewal := p[len(p)-1]
			require.Equal(t, "renewal", renewal.Reason)
			require.EqualValues(t, 1000, renewal.AmountCents, "at its full price")
			require.Equal(t, 5, q[1].QuotaLimit, "with its whole quota")
		})
	}
}

// The workflow charges the club's prices as the database holds them,
// whatever terms its caller passes: a forged price of 0 buys nothing.
func TestMembershipChargesTheClubsTermsNotTheCallers(t *testing.T) {
	mt := newMemberTest(t)
	supporter, superfan, quota := int64(700), int64(1500), 9
	require.NoError(t, mt.st.SaveClub(context.Background(), &models.FanClub{ArtistID: mt.artist,
		SupporterCents: &supporter, SuperfanCents: &superfan, DMQuota: &quota,
		Milestones: []models.ClubMilestone{}, UpdatedAt: time.Now()}))
	forged := models.Terms{Currency: "usd"}
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	var sub, up *outcome
	mt.run(start, mt.start(), func(r *memberRun) {
		sub = r.update(start, workflows.UpdateSubscribe, workflows.SubscribeInput{
			Tier: models.TierSupporter, Customer: billing.SandboxCustomer(mt.fan), PaymentMethod: "pm_card_visa", Terms: forged})
		up = r.update(start.AddDate(0, 0, 15), workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSuperfan, Terms: forged})
	})
	require.NoError(t, sub.err)
	require.NoError(t, up.err)
	p := mt.payments()
	require.Len(t, p, 3)
	require.EqualValues(t, []int64{700, 413, 1500}, []int64{p[0].AmountCents, p[1].AmountCents, p[2].AmountCents},
		"the club's prices: (1500−700) × 16/31 for the upgrade")
	for _, pay := range p {
		require.Equal(t, models.PaymentSucceeded, pay.Status)
	}
	require.Equal(t, 5, mt.quotas()[0].QuotaLimit, "9 DMs × 16/31 days, to the nearest DM")
	require.Equal(t, 9, mt.quotas()[1].QuotaLimit)
}

// With Stripe answering "processing", nothing is given until the webhook
// says the charge went through: a first charge leaves a pending
// membership without access, an upgrade leaves the tier as it was.
func TestMembershipPendingChargesGiveNothingUntilSettled(t *testing.T) {
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	stripeTest := func(t *testing.T) *memberTest {
		mt := newMemberTest(t)
		mt.acts.Billing = billing.NewStripe("sk_test_1", testenv.StartStripe(t).URL)
		return mt
	}
	subscribe := func(r *memberRun, at time.Time) *outcome {
		return r.update(at, workflows.UpdateSubscribe, workflows.SubscribeInput{
			Tier: models.TierSupporter, Customer: "cus_1", PaymentMethod: "pm_processing"})
	}
	settle := func(mt *memberTest, r *memberRun, at time.Time, reason string, ok bool) {
		r.at(at, func() {
			p := mt.payments()
			key := p[len(p)-1].IdempotencyKey
			if ok {
				r.env.SignalWorkflow(workflows.SignalPaymentSucceeded, workflows.PaymentEvent{Key: key, PaymentID: "pi_" + reason})
			} else {
				r.env.SignalWorkflow(workflows.SignalPaymentFailed, workflows.PaymentEvent{Key: key, PaymentID: "pi_" + reason, FailureReason: reason})
			}
		})
	}
	change := func(r *memberRun, at time.Time, tier models.Tier) *outcome {
		return r.update(at, workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: tier})
	}

	t.Run("first charge", func(t *testing.T) {
		mt := stripeTest(t)
		var sub, again, up, cancel *outcome
		var during *models.Subscription
		var quotaDuring int
		st, more := mt.run(start, mt.start(), func(r *memberRun) {
			sub = subscribe(r, start)
			again = subscribe(r, start.Add(time.Minute))
			up = change(r, start.Add(2*time.Minute), models.TierSuperfan)
			cancel = r.update(start.Add(3*time.Minute), workflows.UpdateCancel)
			r.at(start.Add(time.Hour), func() { during, quotaDuring = mt.mirror(), mt.quotas()[0].QuotaLimit })
			settle(mt, r, start.Add(2*time.Hour), "paid", true)
		})
		require.NoError(t, sub.err)
		require.Equal(t, models.StatusPending, sub.st.Status)
		for _, o := range []*outcome{again, up, cancel} {
			require.Equal(t, models.CodeConflict, o.code(), "while the charge is processing")
		}
		require.Equal(t, models.StatusPending, during.Status)
		require.Equal(t, models.TierFollower, during.EffectiveTier(), "no access while processing")
		require.Equal(t, 0, quotaDuring)
		require.True(t, more)
		require.Equal(t, models.StatusActive, st.Status, "the webhook settled it")
		require.Equal(t, 2, st.Period, "and it renewed")
		p := mt.payments()
		require.Equal(t, models.PaymentSucceeded, p[0].Status)
		require.Equal(t, "pi_paid", p[0].ProviderPaymentID)
	})
	t.Run("first charge fails", func(t *testing.T) {
		mt := stripeTest(t)
		st, more := mt.run(start, mt.start(), func(r *memberRun) {
			subscribe(r, start)
			settle(mt, r, start.Add(time.Hour), "insufficient_funds", false)
		})
		require.False(t, more)
		require.Equal(t, models.StatusCanceled, st.Status, "the membership never began: no grace period")
		require.Equal(t, models.StatusCanceled, mt.mirror().Status)
		require.Equal(t, models.PaymentFailed, mt.payments()[0].Status)
	})
	t.Run("first charge never settles", func(t *testing.T) {
		mt := stripeTest(t)
		st, more := mt.run(start, mt.start(), func(r *memberRun) { subscribe(r, start) })
		require.False(t, more)
		require.Equal(t, models.StatusCanceled, st.Status, "ended with its first period, never renewed")
		require.Len(t, mt.payments(), 1)
		require.Empty(t, mt.milestones())
	})
	for name, ok := range map[string]bool{"upgrade": true, "upgrade fails": false} {
		t.Run(name, func(t *testing.T) {
			mt := stripeTest(t)
			var up, twice *outcome
			var during models.Tier
			var quotaAfter int
			st, _ := mt.run(start, mt.start(), func(r *memberRun) {
				subscribe(r, start)
				settle(mt, r, start.Add(time.Hour), "paid", true)
				up = change(r, start.AddDate(0, 0, 15), models.TierSuperfan)
				twice = change(r, start.AddDate(0, 0, 15).Add(time.Minute), models.TierSuperfan)
				r.at(start.AddDate(0, 0, 15).Add(time.Hour), func() { during = mt.mirror().Tier })
				settle(mt, r, start.AddDate(0, 0, 15).Add(2*time.Hour), "upgrade", ok)
				r.at(start.AddDate(0, 0, 15).Add(3*time.Hour), func() { quotaAfter = mt.quotas()[0].QuotaLimit })
			})
			require.NoError(t, up.err)
			require.Equal(t, models.TierSupporter, up.st.Tier, "not before the charge settles")
			require.Equal(t, models.CodeConflict, twice.code())
			require.Equal(t, models.TierSupporter, during)
			want, wantQuota := models.TierSupporter, 0
			if ok {
				want, wantQuota = models.TierSuperfan, 3 // 5 DMs × 16/31 days, to the nearest DM
			}
			require.Equal(t, wantQuota, quotaAfter)
			require.Equal(t, want, st.Tier, "the tier the next period renews")
			p := mt.payments()
			require.Equal(t, "upgrade", p[1].Reason)
			require.EqualValues(t, 258, p[1].AmountCents)
			require.EqualValues(t, want, p[2].Tier)
		})
	}
}

// A run started with a forged state whose terms cost nothing is not
// renewed for free: a charge of 0 cents fails like a declined card.
func TestMembershipZeroPriceIsNeverRenewed(t *testing.T) {
	mt := newMemberTest(t)
	start := day(2027, 6, 1)
	id := workflows.SubscriptionID(mt.artist.String(), mt.fan.String())
	forged := workflows.Membership{ArtistID: mt.artist.String(), FanID: mt.fan.String(), Status: models.StatusActive, Tier: models.TierSuperfan,
		Terms: models.Terms{Currency: "usd", DMQuota: 5}, Customer: billing.SandboxCustomer(mt.fan), PaymentMethod: "pm_card_visa",
		MemberSince: start, BillingKey: id + "/forged", Period: 1, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0)}
	st, _ := mt.run(start, forged, nil)
	require.Equal(t, models.StatusPastDue, st.Status)
	p := mt.payments()
	require.Len(t, p, 1)
	require.Equal(t, models.PaymentFailed, p[0].Status)
	require.Equal(t, "below_minimum", p[0].FailureReason)
	st = mt.runUntil(st, func(s workflows.Membership) bool { return s.Status == models.StatusCanceled }, nil)
	require.Equal(t, models.StatusCanceled, st.Status, "dunning ends it")
}
