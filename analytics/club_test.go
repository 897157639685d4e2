package analytics_test

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// The club fixture: five months of a small club, made by the real
// SubscriptionWorkflow and the real membership activities (the sandbox
// payment provider, on the test's database) in Temporal's time-skipping
// test environment. Nothing here writes the mirror, the history or the
// ledger: every row is the activities' own, stamped with the
// environment's clock. All times UTC, 2026, at 10:00 unless said.
//
// The club "nova": supporter 500 cents a month, superfan 1000, 5 DMs.
// Billing periods run from the join to the same day of the next month.
//
//	Ada  supporter, joins Jan 5 (500); renews Feb 5 (500); upgrades to
//	     superfan Feb 14: (1000−500) × 19/28 days left of Feb 5–Mar 5 =
//	     339.3 → 339 cents; renews Mar 5, Apr 5, May 5 at 1000.
//	Bo   superfan, joins Jan 10 (1000); renews Feb 10, Mar 10 (1000);
//	     asks for supporter Mar 20, which takes effect at the period end:
//	     renews Apr 10 at 500 (the downgrade), May 10 (500).
//	Cy   supporter, joins Jan 20 (500); renews Feb 20 (500); cancels
//	     Feb 25; access ends with the period, Mar 20. Re-joins as a
//	     superfan May 6 (1000): a reactivation, in no cohort of its own.
//	Dee  supporter, joins Feb 3 (500); card declines from Mar 2: the
//	     Mar 3 renewal fails (insufficient_funds, past due); card fixed
//	     Mar 3 12:00; the first dunning retry, Mar 4 (+1 day), pays
//	     (recovered); renews Apr 3, May 3 (500).
//	Eli  superfan, joins Feb 12 (1000); card declines from Mar 11: the
//	     Mar 12 renewal fails (card_declined), so do the retries of Mar 13
//	     (+1 day), Mar 15 (+3) and Mar 17 (+5): dunning gives up and the
//	     membership ends Mar 17 (involuntary churn).
//	Fay  supporter, joins Apr 2 (500); renews May 2 (500).
//
// Now is May 20 00:00.
//
// History by hand (membership_events, in time order; price before → after):
//
//	Jan  5 Ada joined          —         → supporter    0 →  500
//	Jan 10 Bo  joined          —         → superfan     0 → 1000
//	Jan 20 Cy  joined          —         → supporter    0 →  500
//	Feb  3 Dee joined          —         → supporter    0 →  500
//	Feb 12 Eli joined          —         → superfan     0 → 1000
//	Feb 14 Ada upgraded        supporter → superfan   500 → 1000
//	Feb 25 Cy  canceled        supporter → supporter  500 →  500
//	Mar  3 Dee payment_failed  supporter → supporter  500 →  500
//	Mar  4 Dee recovered       supporter → supporter  500 →  500
//	Mar 12 Eli payment_failed  superfan  → superfan  1000 → 1000
//	Mar 17 Eli ended           superfan  → —         1000 →    0
//	Mar 20 Cy  ended           supporter → —          500 →    0
//	Apr  2 Fay joined          —         → supporter    0 →  500
//	Apr 10 Bo  downgraded      superfan  → supporter 1000 →  500
//	May  6 Cy  reactivated     —         → superfan     0 → 1000
//
// Bo's request for the downgrade (Mar 20) moves nothing: the tier he
// holds changes only when it takes effect, and its price before is the
// 1000 he paid, though the mirror already shows his next charge's 500.
//
// Cohorts by hand (docs/analytics.md, "Retention": members live at the
// end of each month, and the sum of their prices then; May as it stands
// now):
//
//	Jan  size 3 (Ada, Bo, Cy)  members 3, 3, 2, 2, 3  MRR 2000, 2500, 2000, 1500, 2500
//	     Jan: Ada 500 + Bo 1000 + Cy 500; Feb: Ada upgraded, Cy canceling
//	     but live; Mar: Cy ended, Bo's downgrade still pending; Apr: Bo
//	     downgraded; May: Cy back as a superfan.
//	Feb  size 2 (Dee, Eli)     members 2, 1, 1, 1     MRR 1500, 500, 500, 500
//	Mar  size 0                members 0, 0, 0        MRR 0, 0, 0
//	Apr  size 1 (Fay)          members 1, 1           MRR 500, 500
//	May  size 0 (Cy's return starts none)  members 0  MRR 0
//
// Payments ledger by hand (every charge, stamped when it was made):
// 26 lines, 21 succeeded (14,339 cents) and 5 failed (4,500 cents):
//
//	Ada  Jan 5 500 · Feb 5 500 · Feb 14 339 (upgrade) · Mar 5, Apr 5, May 5 1000
//	Bo   Jan 10, Feb 10, Mar 10 1000 · Apr 10, May 10 500
//	Cy   Jan 20, Feb 20 500 · May 6 1000 (the new membership's period 1)
//	Dee  Feb 3 500 · Mar 3 500 failed · Mar 4 500 (retry) · Apr 3, May 3 500
//	Eli  Feb 12 1000 · Mar 12 1000 failed · retries Mar 13, 15, 17 1000 failed
//	Fay  Apr 2, May 2 500
//
// Paid by calendar month: Jan 2000 (500+1000+500), Feb 3839
// (500+500+1000+1000+339+500), Mar 2500 (500+1000+1000), Apr 2500
// (500+500+1000+500), May 3500 (500+500+1000+1000+500).

// fxAt is a day of the fixture's year at 10:00 UTC.
func fxAt(month time.Month, day int) time.Time {
	return time.Date(2026, month, day, 10, 0, 0, 0, time.UTC)
}

// fxTimeline is when each thing of the fixture happens.
type fxTimeline struct {
	AdaJoins, AdaUpgrades                    time.Time
	BoJoins, BoAsksDowngrade, BoDowngraded   time.Time
	CyJoins, CyCancels, CyEnds, CyRejoins    time.Time
	DeeJoins, DeeDeclines, DeeFails          time.Time
	DeeCardFixed, DeeRecovers                time.Time
	EliJoins, EliDeclines, EliFails, EliEnds time.Time
	EliRetries                               [3]time.Time
	FayJoins                                 time.Time
}

// fxDates is the fixture's timeline (the comment above).
var fxDates = fxTimeline{
	AdaJoins: fxAt(1, 5), AdaUpgrades: fxAt(2, 14),
	BoJoins: fxAt(1, 10), BoAsksDowngrade: fxAt(3, 20), BoDowngraded: fxAt(4, 10),
	CyJoins: fxAt(1, 20), CyCancels: fxAt(2, 25), CyEnds: fxAt(3, 20), CyRejoins: fxAt(5, 6),
	DeeJoins: fxAt(2, 3), DeeDeclines: fxAt(3, 2), DeeFails: fxAt(3, 3),
	DeeCardFixed: fxAt(3, 3).Add(2 * time.Hour), DeeRecovers: fxAt(3, 4),
	EliJoins: fxAt(2, 12), EliDeclines: fxAt(3, 11), EliFails: fxAt(3, 12), EliEnds: fxAt(3, 17),
	EliRetries: [3]time.Time{fxAt(3, 13), fxAt(3, 15), fxAt(3, 17)},
	FayJoins:   fxAt(4, 2),
}

// fixture is what fixtureClub made: who, and when.
type fixture struct {
	Artist                     uuid.UUID
	Ada, Bo, Cy, Dee, Eli, Fay uuid.UUID
	Names                      map[uuid.UUID]string // fan id → "ada", …
	Start                      time.Time            // the environment's first instant: Jan 1 00:00
	Now                        time.Time            // where the simulation stopped: May 20 00:00
	Dates                      fxTimeline
	Terms                      models.Terms // the club's: 500, 1000, 5 DMs
}

// Analytics is the use case reading the fixture as of its now.
func (f fixture) Analytics(st *store.Store) *analytics.Analytics {
	return &analytics.Analytics{Store: st, Now: func() time.Time { return f.Now }}
}

// fxOutcome is an update's answer once the environment reached it.
type fxOutcome struct {
	what string
	done bool
	err  error
}

// fxStart is a membership's workflow starting (a minute before its
// subscribe update, as Update-with-Start would).
type fxStart struct {
	Fan string
	At  time.Time
}

// fxClubWorkflow stands for the api: it starts each membership's
// SubscriptionWorkflow as a child (so that a re-join is a new run with a
// new run id, as on a real server, and all memberships share one clock)
// and stops the simulation at until. A child that failed fails it.
func fxClubWorkflow(ctx workflow.Context, artist string, starts []fxStart, until time.Time) error {
	var children []workflow.ChildWorkflowFuture
	for _, s := range starts {
		if d := s.At.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.Sleep(ctx, d); err != nil {
				return err
			}
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        workflows.SubscriptionID(artist, s.Fan),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_TERMINATE,
		})
		f := workflow.ExecuteChildWorkflow(cctx, workflows.SubscriptionWorkflow, workflows.Membership{ArtistID: artist, FanID: s.Fan})
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return fmt.Errorf("start %s: %w", s.Fan, err)
		}
		children = append(children, f)
	}
	if err := workflow.Sleep(ctx, until.Sub(workflow.Now(ctx))); err != nil {
		return err
	}
	for i, f := range children {
		if f.IsReady() {
			if err := f.Get(ctx, nil); err != nil {
				return fmt.Errorf("membership of %s: %w", starts[i].Fan, err)
			}
		}
	}
	return nil
}

// fixtureClub makes the club of the comment above on st through the
// membership workflow and returns who is who and when.
func fixtureClub(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := t.Context()
	artist := user(t, st, "nova", models.RoleArtist)
	supporter, superfan, quota := int64(500), int64(1000), 5
	require.NoError(t, st.SaveClub(ctx, &models.FanClub{ArtistID: artist.ID, SupporterCents: &supporter, SuperfanCents: &superfan,
		DMQuota: &quota, Milestones: []models.ClubMilestone{}, UpdatedAt: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}))
	f := fixture{Artist: artist.ID, Names: map[uuid.UUID]string{}, Dates: fxDates,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Now: time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC),
		Terms: models.Terms{Currency: models.Currency, SupporterCents: supporter, SuperfanCents: superfan, DMQuota: quota}}
	for _, fan := range []struct {
		id   *uuid.UUID
		name string
	}{{&f.Ada, "ada"}, {&f.Bo, "bo"}, {&f.Cy, "cy"}, {&f.Dee, "dee"}, {&f.Eli, "eli"}, {&f.Fay, "fay"}} {
		*fan.id = user(t, st, fan.name, models.RoleFan).ID
		f.Names[*fan.id] = fan.name
	}

	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(f.Start)
	env.SetTestTimeout(2 * time.Minute) // wall clock, between steps: the race detector on a slow machine
	env.RegisterWorkflow(fxClubWorkflow)
	env.RegisterWorkflow(workflows.SubscriptionWorkflow)
	// The activities as the worker builds them, on the environment's clock.
	env.RegisterActivity(&activities.Membership{Store: st, Billing: &billing.Sandbox{Store: st, Now: env.Now}, Now: env.Now})

	var (
		mu       sync.Mutex
		outcomes []*fxOutcome
	)
	at := func(when time.Time, fn func()) { env.RegisterDelayedCallback(fn, when.Sub(f.Start)) }
	update := func(when time.Time, fan uuid.UUID, name string, args ...any) {
		o := &fxOutcome{what: fmt.Sprintf("%s %s at %s", f.Names[fan], name, when.Format(time.DateTime))}
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
		done := func(err error) { mu.Lock(); o.done, o.err = true, err; mu.Unlock() }
		at(when, func() {
			err := env.UpdateWorkflowByID(workflows.SubscriptionID(artist.ID.String(), fan.String()), name, uuid.NewString(), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: done, OnComplete: func(_ any, err error) { done(err) },
			}, args...)
			if err != nil {
				done(err)
			}
		})
	}
	subscribe := func(when time.Time, fan uuid.UUID, tier models.Tier) {
		update(when, fan, workflows.UpdateSubscribe, workflows.SubscribeInput{
			Tier: tier, Customer: billing.SandboxCustomer(fan), PaymentMethod: "pm_card_visa"})
	}
	card := func(when time.Time, fan uuid.UUID, decline string) {
		at(when, func() {
			// The sandbox provider's own switch (what POST /api/sandbox/cards sets).
			if err := st.SetSandboxDecline(ctx, models.SandboxCard{Customer: billing.SandboxCustomer(fan), Decline: decline, UpdatedAt: when}); err != nil {
				mu.Lock()
				outcomes = append(outcomes, &fxOutcome{what: "card of " + f.Names[fan], done: true, err: err})
				mu.Unlock()
			}
		})
	}

	d := f.Dates
	subscribe(d.AdaJoins, f.Ada, models.TierSupporter)
	update(d.AdaUpgrades, f.Ada, workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSuperfan})
	subscribe(d.BoJoins, f.Bo, models.TierSuperfan)
	update(d.BoAsksDowngrade, f.Bo, workflows.UpdateChangeTier, workflows.ChangeTierInput{Tier: models.TierSupporter})
	subscribe(d.CyJoins, f.Cy, models.TierSupporter)
	update(d.CyCancels, f.Cy, workflows.UpdateCancel)
	subscribe(d.CyRejoins, f.Cy, models.TierSuperfan)
	subscribe(d.DeeJoins, f.Dee, models.TierSupporter)
	card(d.DeeDeclines, f.Dee, "insufficient_funds")
	card(d.DeeCardFixed, f.Dee, "")
	subscribe(d.EliJoins, f.Eli, models.TierSuperfan)
	card(d.EliDeclines, f.Eli, "card_declined")
	subscribe(d.FayJoins, f.Fay, models.TierSupporter)

	// Each workflow starts a minute before its subscribe, in time order;
	// Cy's second one long after the first ended.
	var starts []fxStart
	for _, s := range []struct {
		fan uuid.UUID
		at  time.Time
	}{{f.Ada, d.AdaJoins}, {f.Bo, d.BoJoins}, {f.Cy, d.CyJoins}, {f.Dee, d.DeeJoins}, {f.Eli, d.EliJoins}, {f.Fay, d.FayJoins}, {f.Cy, d.CyRejoins}} {
		starts = append(starts, fxStart{Fan: s.fan.String(), At: s.at.Add(-time.Minute)})
	}
	env.ExecuteWorkflow(fxClubWorkflow, artist.ID.String(), starts, f.Now)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.True(t, env.Now().Equal(f.Now), "the simulation stopped at %s", env.Now())
	mu.Lock()
	defer mu.Unlock()
	for _, o := range outcomes {
		require.True(t, o.done, "%s: never answered", o.what)
		require.NoError(t, o.err, o.what)
	}
	return f
}

// fxEvent is a history row as the fixture's comment writes it.
type fxEvent struct {
	At                      time.Time
	Fan                     string
	Move                    models.MembershipMove
	TierBefore, TierAfter   models.Tier
	PriceBefore, PriceAfter int64
}

// fxPayment is a ledger line as the fixture's comment writes it.
type fxPayment struct {
	At            time.Time
	Fan           string
	Reason        string
	Tier          models.Tier
	Period        int
	Cents         int64
	Status        models.PaymentStatus
	FailureReason string
}

// fxPaymentsByHand is the ledger of the fixture's comment, in time order.
func fxPaymentsByHand() []fxPayment {
	ok, failed := models.PaymentSucceeded, models.PaymentFailed
	sup, sf := models.TierSupporter, models.TierSuperfan
	return []fxPayment{
		{fxAt(1, 5), "ada", "renewal", sup, 1, 500, ok, ""},
		{fxAt(1, 10), "bo", "renewal", sf, 1, 1000, ok, ""},
		{fxAt(1, 20), "cy", "renewal", sup, 1, 500, ok, ""},
		{fxAt(2, 3), "dee", "renewal", sup, 1, 500, ok, ""},
		{fxAt(2, 5), "ada", "renewal", sup, 2, 500, ok, ""},
		{fxAt(2, 10), "bo", "renewal", sf, 2, 1000, ok, ""},
		{fxAt(2, 12), "eli", "renewal", sf, 1, 1000, ok, ""},
		{fxAt(2, 14), "ada", "upgrade", sf, 2, 339, ok, ""},
		{fxAt(2, 20), "cy", "renewal", sup, 2, 500, ok, ""},
		{fxAt(3, 3), "dee", "renewal", sup, 2, 500, failed, "insufficient_funds"},
		{fxAt(3, 4), "dee", "retry", sup, 2, 500, ok, ""},
		{fxAt(3, 5), "ada", "renewal", sf, 3, 1000, ok, ""},
		{fxAt(3, 10), "bo", "renewal", sf, 3, 1000, ok, ""},
		{fxAt(3, 12), "eli", "renewal", sf, 2, 1000, failed, "card_declined"},
		{fxAt(3, 13), "eli", "retry", sf, 2, 1000, failed, "card_declined"},
		{fxAt(3, 15), "eli", "retry", sf, 2, 1000, failed, "card_declined"},
		{fxAt(3, 17), "eli", "retry", sf, 2, 1000, failed, "card_declined"},
		{fxAt(4, 2), "fay", "renewal", sup, 1, 500, ok, ""},
		{fxAt(4, 3), "dee", "renewal", sup, 3, 500, ok, ""},
		{fxAt(4, 5), "ada", "renewal", sf, 4, 1000, ok, ""},
		{fxAt(4, 10), "bo", "renewal", sup, 4, 500, ok, ""},
		{fxAt(5, 2), "fay", "renewal", sup, 2, 500, ok, ""},
		{fxAt(5, 3), "dee", "renewal", sup, 4, 500, ok, ""},
		{fxAt(5, 5), "ada", "renewal", sf, 5, 1000, ok, ""},
		{fxAt(5, 6), "cy", "renewal", sf, 1, 1000, ok, ""},
		{fxAt(5, 10), "bo", "renewal", sup, 5, 500, ok, ""},
	}
}

// TestFixtureHistoryByHand builds the club fixture through the workflow
// and checks the history, the cohorts and the ledger it left against the
// fixture's comment, on both dialects.
func TestFixtureHistoryByHand(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := fixtureClub(t, st)

		t.Run("history", func(t *testing.T) {
			events, err := st.MembershipHistory(ctx, f.Artist, f.Now)
			require.NoError(t, err)
			got := make([]fxEvent, len(events))
			for i, e := range events {
				got[i] = fxEvent{e.At.UTC(), f.Names[e.FanID], e.Move, e.TierBefore, e.TierAfter, e.PriceBefore, e.PriceAfter}
			}
			sup, sf := models.TierSupporter, models.TierSuperfan
			require.Equal(t, []fxEvent{
				{fxAt(1, 5), "ada", models.MoveJoined, "", sup, 0, 500},
				{fxAt(1, 10), "bo", models.MoveJoined, "", sf, 0, 1000},
				{fxAt(1, 20), "cy", models.MoveJoined, "", sup, 0, 500},
				{fxAt(2, 3), "dee", models.MoveJoined, "", sup, 0, 500},
				{fxAt(2, 12), "eli", models.MoveJoined, "", sf, 0, 1000},
				{fxAt(2, 14), "ada", models.MoveUpgraded, sup, sf, 500, 1000},
				{fxAt(2, 25), "cy", models.MoveCanceled, sup, sup, 500, 500},
				{fxAt(3, 3), "dee", models.MovePaymentFailed, sup, sup, 500, 500},
				{fxAt(3, 4), "dee", models.MoveRecovered, sup, sup, 500, 500},
				{fxAt(3, 12), "eli", models.MovePaymentFailed, sf, sf, 1000, 1000},
				{fxAt(3, 17), "eli", models.MoveEnded, sf, "", 1000, 0},
				{fxAt(3, 20), "cy", models.MoveEnded, sup, "", 500, 0},
				{fxAt(4, 2), "fay", models.MoveJoined, "", sup, 0, 500},
				{fxAt(4, 10), "bo", models.MoveDowngraded, sf, sup, 1000, 500},
				{fxAt(5, 6), "cy", models.MoveReactivated, "", sf, 0, 1000},
			}, got)
		})

		t.Run("cohorts", func(t *testing.T) {
			got, err := f.Analytics(st).Cohorts(ctx, f.Artist, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
			require.NoError(t, err)
			month := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
			require.Equal(t, []analytics.Cohort{
				{Month: month(1), Size: 3, Members: []int{3, 3, 2, 2, 3}, MRR: []int64{2000, 2500, 2000, 1500, 2500}},
				{Month: month(2), Size: 2, Members: []int{2, 1, 1, 1}, MRR: []int64{1500, 500, 500, 500}},
				{Month: month(3), Size: 0, Members: []int{0, 0, 0}, MRR: []int64{0, 0, 0}},
				{Month: month(4), Size: 1, Members: []int{1, 1}, MRR: []int64{500, 500}},
				{Month: month(5), Size: 0, Members: []int{0}, MRR: []int64{0}},
			}, got)
		})

		t.Run("payments", func(t *testing.T) {
			rows := testenv.Rows[models.Payment](t, st, "created_at, id", "artist_id = ?", f.Artist)
			got := make([]fxPayment, len(rows))
			var paid, failed int64
			for i, p := range rows {
				got[i] = fxPayment{p.CreatedAt.UTC(), f.Names[p.FanID], p.Reason, p.Tier, p.Period, p.AmountCents, p.Status, p.FailureReason}
				require.Equal(t, models.Currency, p.Currency)
				require.Equal(t, "sandbox", p.Provider)
				switch p.Status {
				case models.PaymentSucceeded:
					paid += p.AmountCents
				case models.PaymentFailed:
					failed += p.AmountCents
				}
			}
			require.Equal(t, fxPaymentsByHand(), got)
			require.EqualValues(t, 14339, paid, "21 charges paid")
			require.EqualValues(t, 4500, failed, "5 declined")
		})

		t.Run("mirror now", func(t *testing.T) {
			for _, want := range []struct {
				fan    uuid.UUID
				tier   models.Tier
				status models.SubscriptionStatus
			}{
				{f.Ada, models.TierSuperfan, models.StatusActive}, {f.Bo, models.TierSupporter, models.StatusActive},
				{f.Cy, models.TierSuperfan, models.StatusActive}, {f.Dee, models.TierSupporter, models.StatusActive},
				{f.Eli, models.TierSuperfan, models.StatusCanceled}, {f.Fay, models.TierSupporter, models.StatusActive},
			} {
				sub, err := st.Membership(ctx, f.Artist, want.fan)
				require.NoError(t, err)
				require.Equal(t, want.tier, sub.Tier, f.Names[want.fan])
				require.Equal(t, want.status, sub.Status, f.Names[want.fan])
			}
		})
	})
}
