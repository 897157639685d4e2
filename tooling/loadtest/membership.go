package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// MembershipOptions size the membership benchmark.
type MembershipOptions struct {
	Concurrency []int // closed-loop clients, one level after another
	PerLevel    int   // starts per level, for each of raw and api
	Idle        int   // idle memberships for the memory reading (0: none)
}

// Membership measures, in one run against the same Temporal server, a
// bare Update-with-Start of a minimal one-timer workflow and
// POST /api/artists/:id/subscription end to end (api, workflow, charge,
// PostgreSQL), at each concurrency; then the process's heap as idle
// memberships pile up. The api and the worker run in this process.
func Membership(ctx context.Context, cfg config.Config, o MembershipOptions, out io.Writer) error {
	cfg.TemporalTaskQueue = "bench-membership-" + models.NewID().String()
	p, base, stop, err := startPlatform(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer stop()
	anchorQueue := cfg.TemporalTaskQueue + "-anchor"
	aw := sdkworker.New(p.Temporal, anchorQueue, sdkworker.Options{WorkflowTaskPollerBehavior: sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{})})
	aw.RegisterWorkflow(anchorWorkflow)
	if err := aw.Start(); err != nil {
		return err
	}
	defer aw.Stop()

	artist, fans, err := benchMembers(ctx, p, len(o.Concurrency)*o.PerLevel)
	if err != nil {
		return err
	}
	url := base + "/api/artists/" + artist.String() + "/subscription"
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	next := 0
	for _, conc := range o.Concurrency {
		raw := closedLoop(conc, o.PerLevel, func(i int) error {
			return anchorStart(ctx, p.Temporal, anchorQueue, fmt.Sprintf("bench-anchor/%d/%d/%s", conc, i, models.NewID()))
		})
		level := fans[next : next+o.PerLevel]
		next += o.PerLevel
		api := closedLoop(conc, o.PerLevel, func(i int) error { return create(hc, url, level[i], []byte(`{"tier":"superfan"}`)) })
		raw.Print(out, fmt.Sprintf("membership_raw_uws_c%d", conc))
		api.Print(out, fmt.Sprintf("membership_api_subscribe_c%d", conc))
		fmt.Fprintf(out, "BENCH membership_c%d_rps_vs_raw %.2f ratio\n", conc, api.RPS()/raw.RPS())
		fmt.Fprintf(out, "BENCH membership_c%d_p50_minus_raw %.2f ms\n", conc, float64((api.P50-raw.P50).Microseconds())/1000)
	}
	if o.Idle > 0 {
		return idleMemberships(ctx, p, artist.String(), cfg.TemporalTaskQueue, cfg.TemporalWorkflowCache, o.Idle, out)
	}
	return nil
}

// anchorWorkflow is the minimal workflow of the baseline: it takes one
// update and sleeps on one timer.
func anchorWorkflow(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, "join", func(workflow.Context) (string, error) { return "ok", nil }); err != nil {
		return err
	}
	return workflow.Sleep(ctx, 30*24*time.Hour)
}

func anchorStart(ctx context.Context, c client.Client, queue, id string) error {
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: queue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, anchorWorkflow)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: "join", WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// create POSTs a JSON body and expects 201 Created.
func create(hc *http.Client, url, token string, body []byte) error {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// benchMembers makes an artist and n fans in SQL and signs the fans in.
func benchMembers(ctx context.Context, p *app.Platform, n int) (artistID uuid.UUID, tokens []string, err error) {
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, n); err != nil {
		return artist, nil, err
	}
	var fans []models.User
	if err := p.Store.DB(ctx).Joins("JOIN follows ON follows.user_id = users.id").
		Where("follows.artist_id = ?", artist).Find(&fans).Error; err != nil {
		return artist, nil, err
	}
	now := time.Now()
	for i := range fans {
		t, err := p.Auth.Tokens.IssueAccess(&fans[i], now)
		if err != nil {
			return artist, nil, err
		}
		tokens = append(tokens, t)
	}
	return artist, tokens, nil
}

// closedLoop runs fn(0..n-1) on conc clients and measures each call.
func closedLoop(conc, n int, fn func(i int) error) Result {
	var next, errs atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				t := time.Now()
				if err := fn(i); err != nil {
					errs.Add(1)
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	res := Result{Requests: n, Errors: int(errs.Load()), Elapsed: time.Since(start)}
	slices.Sort(lat)
	res.P50, res.P99 = lat[n*50/100], lat[n*99/100]
	return res
}

// idleMemberships starts n memberships in their first period (as the
// api would have left them) and reads the heap as they pile up.
func idleMemberships(ctx context.Context, p *app.Platform, artist, queue string, cache, n int, out io.Writer) error {
	heap := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapInuse+m.StackInuse) / (1 << 20)
	}
	fmt.Fprintf(out, "BENCH membership_workflow_cache %d workflows\n", cache)
	fmt.Fprintf(out, "BENCH membership_idle_0_heap %.1f MiB\n", heap())
	started := 0
	now := time.Now().UTC()
	for _, mark := range []int{n / 10, n / 4, n / 2, n * 3 / 4, n} {
		batch := mark - started
		res := closedLoop(32, batch, func(i int) error {
			fan := models.NewID().String()
			id := workflows.SubscriptionID(artist, fan)
			_, err := p.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.SubscriptionWorkflow, workflows.Membership{
				ArtistID: artist, FanID: fan, Status: models.StatusActive, Tier: models.TierSupporter, Terms: models.DefaultTerms(),
				Customer: billing.SandboxCustomer(models.NewID()), PaymentMethod: "pm_card_visa", MemberSince: now, BillingKey: id,
				Period: 1, PeriodStart: now, PeriodEnd: now.AddDate(0, 1, 0),
			})
			return err
		})
		if res.Errors > 0 {
			return fmt.Errorf("idle memberships: %d starts failed", res.Errors)
		}
		started = mark
		time.Sleep(2 * time.Second) // the first workflow tasks of the batch run
		fmt.Fprintf(out, "BENCH membership_idle_%d_heap %.1f MiB\n", mark, heap())
	}
	fmt.Fprintf(out, "BENCH membership_idle_goroutines %d goroutines\n", runtime.NumGoroutine())
	return nil
}

// startPlatform runs the api (and the worker, when asked) in this process
// on cfg's services with the limits off; stop ends it.
func startPlatform(ctx context.Context, cfg config.Config, withWorker bool) (p *app.Platform, base string, stop func(), err error) {
	cfg.HTTPAddr, cfg.RateLimit, cfg.AuthRateLimit, cfg.MessageRateLimit = "127.0.0.1:0", 0, 0, 0
	cfg.WSMaxConnsPerUser = 1 << 20
	if p, err = app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err == nil {
		err = p.Store.MigrateUp(ctx)
	}
	if err != nil {
		p.Close()
		return nil, "", nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx, ln, withWorker) }()
	return p, "http://" + ln.Addr().String(), func() { cancel(); <-done; p.Close() }, nil
}
