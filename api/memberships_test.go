package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

type membership struct {
	ArtistID    string `json:"artist_id"`
	Tier        string `json:"tier"`
	PendingTier string `json:"pending_tier"`
	Status      string `json:"status"`
	Period      struct {
		Number int       `json:"number"`
		Start  time.Time `json:"start"`
		End    time.Time `json:"end"`
	} `json:"period"`
	NextCharge *struct {
		AmountCents int64 `json:"amount_cents"`
	} `json:"next_charge"`
	Quota *struct {
		Used, Limit int
	} `json:"quota"`
}

type club struct {
	Tiers []struct {
		Tier       string `json:"tier"`
		PriceCents int64  `json:"price_cents"`
		DMQuota    int    `json:"dm_quota"`
		Members    int64  `json:"members"`
	} `json:"tiers"`
}

// On the real dev server: a fan joins a club through REST, the operator
// sees the workflow with its search attributes, and the fan changes tier,
// cancels and resumes.
func TestMembershipThroughRESTOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan, other := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai"), app.Register(t, "fan", "Broke")
	path := "/api/artists/" + artist.User.ID
	ctx := t.Context()

	var c club
	app.Do(t, http.MethodGet, path+"/club", "", nil).Decode(t, &c)
	require.Len(t, c.Tiers, 3)
	require.EqualValues(t, []int64{0, 500, 1000}, []int64{c.Tiers[0].PriceCents, c.Tiers[1].PriceCents, c.Tiers[2].PriceCents})
	require.Equal(t, 403, app.Do(t, http.MethodPut, path+"/club", fan.AccessToken, map[string]any{}).Status)
	bad := app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{"supporter_price_cents": 900, "superfan_price_cents": 800})
	require.Equal(t, 400, bad.Status)
	require.Equal(t, "invalid", bad.ErrorCode(t))
	r := app.Do(t, http.MethodPut, path+"/club", artist.AccessToken, map[string]any{
		"description": "Nova's club", "superfan_price_cents": 1200, "dm_quota": 7,
		"milestones": []map[string]any{{"title": "100 members", "members": 100, "reward": "a live session"}},
	})
	require.Equal(t, 200, r.Status, string(r.Body))

	// Bad input.
	require.Equal(t, 400, app.Do(t, http.MethodPost, path+"/subscription", fan.AccessToken, map[string]any{"tier": "platinum"}).Status)
	require.Equal(t, 400, app.Do(t, http.MethodPost, path+"/subscription", fan.AccessToken, map[string]any{"tier": "follower"}).Status)
	require.Equal(t, 400, app.Do(t, http.MethodPost, path+"/subscription", artist.AccessToken, map[string]any{"tier": "superfan"}).Status, "own club")
	require.Equal(t, 404, app.Do(t, http.MethodPost, "/api/artists/"+other.User.ID+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan"}).Status, "not an artist")
	require.Equal(t, 404, app.Do(t, http.MethodGet, path+"/subscription", fan.AccessToken, nil).Status)
	require.Equal(t, 404, app.Do(t, http.MethodDelete, path+"/subscription", fan.AccessToken, nil).Status)
	declined := app.Do(t, http.MethodPost, path+"/subscription", other.AccessToken, map[string]any{"tier": "superfan", "payment_method": "pm_card_chargeDeclined"})
	require.Equal(t, 402, declined.Status)
	require.Equal(t, "payment_failed", declined.ErrorCode(t))
	require.Equal(t, 404, app.Do(t, http.MethodGet, path+"/subscription", other.AccessToken, nil).Status, "nothing half-written")

	// Join, with a retry of the same request.
	subscribe := func() testenv.Response {
		req, err := http.NewRequest(http.MethodPost, app.URL+path+"/subscription", jsonBody(t, map[string]any{"tier": "superfan"}))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+fan.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "join-nova-1")
		return app.Send(t, req)
	}
	first := subscribe()
	require.Equal(t, 201, first.Status, string(first.Body))
	var m membership
	first.Decode(t, &m)
	require.Equal(t, "superfan", m.Tier)
	require.Equal(t, "active", m.Status)
	require.Equal(t, 1, m.Period.Number)
	require.EqualValues(t, 1200, m.NextCharge.AmountCents, "the club's price")
	require.Equal(t, 7, m.Quota.Limit, "the club's quota")
	retry := subscribe()
	require.Equal(t, 201, retry.Status)
	require.JSONEq(t, string(first.Body), string(retry.Body), "a retry gets the first answer")
	again := app.Do(t, http.MethodPost, path+"/subscription", fan.AccessToken, map[string]any{"tier": "supporter"})
	require.Equal(t, 409, again.Status, "subscribing twice")
	payments := testenv.Rows[models.Payment](t, app.Platform.Store, "created_at", "artist_id = ? AND fan_id = ?", artist.User.ID, fan.User.ID)
	require.Len(t, payments, 1, "one charge")
	require.Equal(t, models.PaymentSucceeded, payments[0].Status)
	require.EqualValues(t, 1200, payments[0].AmountCents)

	// The tier opens the backstage (CanAccess), for members only.
	backstage := "backstage:" + artist.User.ID
	require.Equal(t, true, app.Dial(t, fan.AccessToken).Request("join_room", backstage, nil)["ok"])
	refused := app.Dial(t, other.AccessToken).Request("join_room", backstage, nil)
	require.Equal(t, "forbidden", testenv.ErrorCode(refused))
	require.Equal(t, true, app.Dial(t, artist.AccessToken).Request("join_room", backstage, nil)["ok"], "the artist's own")

	// What an operator sees.
	id := workflows.SubscriptionID(artist.User.ID, fan.User.ID)
	desc, err := app.Platform.Temporal.DescribeWorkflow(ctx, id, "")
	require.NoError(t, err)
	sa := desc.TypedSearchAttributes
	for key, want := range map[string]string{"ArtistId": artist.User.ID, "FanId": fan.User.ID, "Tier": "superfan", "SubscriptionStatus": "active"} {
		var got string
		switch key {
		case "ArtistId":
			got, _ = sa.GetKeyword(searchattr.ArtistID)
		case "FanId":
			got, _ = sa.GetKeyword(searchattr.FanID)
		case "Tier":
			got, _ = sa.GetKeyword(searchattr.Tier)
		case "SubscriptionStatus":
			got, _ = sa.GetKeyword(searchattr.SubscriptionStatus)
		}
		require.Equal(t, want, got, key)
	}
	val, err := app.Platform.Temporal.QueryWorkflow(ctx, id, "", workflows.MembershipQuery)
	require.NoError(t, err)
	var st workflows.Membership
	require.NoError(t, val.Get(&st))
	require.Equal(t, models.TierSuperfan, st.Tier)
	// The api's estimate at start stands unless it is off by more than
	// the slack; then the subscribe corrects it.
	renewal, ok := sa.GetTime(searchattr.NextRenewalAt)
	require.True(t, ok)
	require.WithinDuration(t, st.PeriodEnd, renewal, workflows.RenewalAttributeSlack)
	require.Eventually(t, func() bool {
		list, err := app.Platform.Temporal.CountWorkflow(ctx, countRequest(
			"ArtistId = '"+artist.User.ID+"' AND SubscriptionStatus = 'active'"))
		return err == nil && list.Count == 1
	}, 10*time.Second, 100*time.Millisecond, "operators find memberships by search attribute")

	// Tier changes, cancel, resume.
	same := app.Do(t, http.MethodPatch, path+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan"})
	require.Equal(t, 409, same.Status)
	r = app.Do(t, http.MethodPatch, path+"/subscription", fan.AccessToken, map[string]any{"tier": "supporter"})
	require.Equal(t, 200, r.Status, string(r.Body))
	r.Decode(t, &m)
	require.Equal(t, "superfan", m.Tier)
	require.Equal(t, "supporter", m.PendingTier)
	r = app.Do(t, http.MethodDelete, path+"/subscription", fan.AccessToken, nil)
	require.Equal(t, 200, r.Status)
	r.Decode(t, &m)
	require.Equal(t, "canceling", m.Status)
	require.Nil(t, m.NextCharge)
	require.Equal(t, 7, m.Quota.Limit, "access until the period ends")
	require.Equal(t, 409, app.Do(t, http.MethodDelete, path+"/subscription", fan.AccessToken, nil).Status, "canceling twice")
	r = app.Do(t, http.MethodPost, path+"/subscription/resume", fan.AccessToken, nil)
	require.Equal(t, 200, r.Status)
	r.Decode(t, &m)
	require.Equal(t, "active", m.Status)
	require.Equal(t, 409, app.Do(t, http.MethodPost, path+"/subscription/resume", fan.AccessToken, nil).Status)
	// The cancel unset the renewal; the resume set it from the workflow's
	// own period end, exactly.
	require.Eventually(t, func() bool {
		d, err := app.Platform.Temporal.DescribeWorkflow(ctx, id, "")
		if err != nil {
			return false
		}
		s, _ := d.TypedSearchAttributes.GetKeyword(searchattr.SubscriptionStatus)
		renewal, ok = d.TypedSearchAttributes.GetTime(searchattr.NextRenewalAt)
		return s == "active" && ok
	}, 5*time.Second, 50*time.Millisecond)
	require.True(t, st.PeriodEnd.Equal(renewal), "renewal attribute %s, period end %s", renewal, st.PeriodEnd)

	// Lists.
	var mine struct{ Items []membership }
	app.Do(t, http.MethodGet, "/api/me/subscriptions", fan.AccessToken, nil).Decode(t, &mine)
	require.Len(t, mine.Items, 1)
	require.Equal(t, 7, mine.Items[0].Quota.Limit, "lists carry the current quota")
	require.Equal(t, 403, app.Do(t, http.MethodGet, path+"/members", fan.AccessToken, nil).Status)
	var members struct {
		Items      []membership
		NextCursor string `json:"next_cursor"`
	}
	app.Do(t, http.MethodGet, path+"/members?tier=superfan&status=active", artist.AccessToken, nil).Decode(t, &members)
	require.Len(t, members.Items, 1)
	app.Do(t, http.MethodGet, path+"/members?status=canceled", artist.AccessToken, nil).Decode(t, &members)
	require.Empty(t, members.Items)
	require.Equal(t, 400, app.Do(t, http.MethodGet, path+"/members?tier=gold", artist.AccessToken, nil).Status)
	require.Equal(t, 400, app.Do(t, http.MethodGet, path+"/members?cursor=nope", artist.AccessToken, nil).Status)
	app.Do(t, http.MethodGet, path+"/club", "", nil).Decode(t, &c)
	require.EqualValues(t, 1, c.Tiers[2].Members)
	require.EqualValues(t, 1200, c.Tiers[2].PriceCents)
	require.Equal(t, 7, c.Tiers[2].DMQuota)

	testenv.RecordHistory(t, app.Platform.Temporal, id, "membership_v2.json")

	// docs/operations.md, with the pinned CLI: find, read, repair.
	run := func(args ...string) (string, error) {
		args = append(args, "--address", testenv.TemporalAddress(t), "--namespace", "default")
		out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "bin", "temporal"), args...).CombinedOutput()
		return string(out), err
	}
	cli := func(args ...string) string {
		out, err := run(args...)
		require.NoError(t, err, out)
		return out
	}
	require.Eventually(t, func() bool {
		out, err := run("workflow", "list", "--query", "ArtistId = '"+artist.User.ID+"' AND Tier = 'superfan'")
		return err == nil && strings.Contains(out, id)
	}, 10*time.Second, 200*time.Millisecond)
	require.Contains(t, cli("workflow", "query", "--workflow-id", id, "--type", "state"), `"superfan"`)
	cli("workflow", "update", "execute", "--workflow-id", id, "--name", "cancel")
	app.Do(t, http.MethodGet, path+"/subscription", fan.AccessToken, nil).Decode(t, &m)
	require.Equal(t, "canceling", m.Status, "repaired through the CLI, seen by the api")
}

// An attacker who reaches Temporal's frontend starts a subscribe with a
// forged price of 0 straight through the Temporal client: the workflow
// still charges the club's price, read from the database.
func TestForgedTermsThroughTemporalAreNotCharged(t *testing.T) {
	t.Parallel()
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	r := app.Do(t, http.MethodPut, "/api/artists/"+artist.User.ID+"/club", artist.AccessToken, map[string]any{"superfan_price_cents": 1200, "dm_quota": 7})
	require.Equal(t, 200, r.Status, string(r.Body))

	id := workflows.SubscriptionID(artist.User.ID, fan.User.ID)
	tc := app.Platform.Temporal
	start := tc.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: app.Platform.Config.TemporalTaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.SubscriptionWorkflow, workflows.Membership{ArtistID: artist.User.ID, FanID: fan.User.ID})
	h, err := tc.UpdateWithStartWorkflow(t.Context(), client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateSubscribe, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.SubscribeInput{Tier: models.TierSuperfan, Customer: billing.SandboxCustomer(mustUUID(t, fan.User.ID)),
				PaymentMethod: "pm_card_visa", Terms: models.Terms{Currency: "usd"}}}},
	})
	require.NoError(t, err)
	var st workflows.Membership
	require.NoError(t, h.Get(t.Context(), &st))

	payments := testenv.Rows[models.Payment](t, app.Platform.Store, "created_at", "fan_id = ?", fan.User.ID)
	require.Len(t, payments, 1)
	require.EqualValues(t, 1200, payments[0].AmountCents, "the club's price, not the forged one")
	require.Equal(t, models.PaymentSucceeded, payments[0].Status)
	var m membership
	app.Do(t, http.MethodGet, "/api/artists/"+artist.User.ID+"/subscription", fan.AccessToken, nil).Decode(t, &m)
	require.EqualValues(t, 1200, m.NextCharge.AmountCents, "renewals at the club's price too")
	require.Equal(t, 7, m.Quota.Limit, "the club's quota")
}

func jsonBody(t *testing.T, v any) io.Reader {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}

func countRequest(query string) *workflowservice.CountWorkflowExecutionsRequest {
	return &workflowservice.CountWorkflowExecutionsRequest{Query: query}
}
