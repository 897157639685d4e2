package main

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// A worker killed with SIGKILL in the middle of renewals, then started
// again: every membership is charged exactly once for its new period.
func TestKilledWorkerChargesEachPeriodOnce(t *testing.T) {
	const members = 40
	dbURL := testenv.PostgresURL(t)
	queue := fmt.Sprintf("reliability-%d", time.Now().UnixNano())
	env := []string{"DATABASE_URL=" + dbURL, "TEMPORAL_ADDRESS=" + testenv.TemporalAddress(t), "TEMPORAL_TASK_QUEUE=" + queue,
		"REDIS_URL=", "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=error"}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 4, MaxIdleConns: 4}, testenv.Log())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	tc := testenv.Temporal(t)

	artist := &models.User{ID: models.NewID(), Email: "a@example.com", Role: models.RoleArtist, DisplayName: "A", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(ctx, artist, &models.Artist{Slug: "a", Name: "A"}))
	// Memberships in their first period, each ending between 1 and 4 s from now.
	first := time.Now().Add(time.Second)
	for i := range members {
		fan := &models.User{ID: models.NewID(), Email: fmt.Sprintf("f%d@example.com", i), Role: models.RoleFan, DisplayName: "F", TimeZone: "UTC"}
		require.NoError(t, st.CreateUser(ctx, fan, nil))
		end := first.Add(time.Duration(i) * 3 * time.Second / members).UTC()
		id := workflows.SubscriptionID(artist.ID.String(), fan.ID.String())
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.SubscriptionWorkflow, workflows.Membership{
			ArtistID: artist.ID.String(), FanID: fan.ID.String(), Status: models.StatusActive, Tier: models.TierSupporter,
			Terms: models.DefaultTerms(), Customer: billing.SandboxCustomer(fan.ID), PaymentMethod: "pm_card_visa",
			MemberSince: end.AddDate(0, -1, 0), BillingKey: id + "/reliability", Period: 1, PeriodStart: end.AddDate(0, -1, 0), PeriodEnd: end,
			Milestones: []string{models.MilestoneSupport1Month, models.MilestoneSupport6Months, models.MilestoneSupport1Year},
		})
		require.NoError(t, err)
	}
	renewed := func() int64 { // -1 when the count cannot be read
		var n int64
		if err := st.DB(ctx).Model(&models.Subscription{}).Where("period = 2").Count(&n).Error; err != nil {
			return -1
		}
		return n
	}
	worker := func() *exec.Cmd {
		cmd := fanfare(t, env, "worker")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	w := worker()
	require.Eventually(t, func() bool { return renewed() >= members/3 }, 30*time.Second, 10*time.Millisecond, "renewals did not start")
	require.NoError(t, w.Process.Kill())
	_ = w.Wait()
	// Counted once the worker is dead: nothing renews until the next one.
	done := renewed()
	t.Logf("worker killed after %d of %d renewals", done, members)
	require.Positive(t, done, "the kill came after renewals began")
	require.Less(t, done, int64(members), "the kill came before they were all done")
	worker()
	require.Eventually(t, func() bool { return renewed() == members }, 90*time.Second, 100*time.Millisecond)

	var perKey []struct {
		FanID string
		N     int
	}
	require.NoError(t, st.DB(ctx).Model(&models.Payment{}).Select("fan_id, count(*) AS n").
		Where("period = 2 AND status = ?", models.PaymentSucceeded).Group("fan_id").Scan(&perKey).Error)
	require.Len(t, perKey, members)
	for _, p := range perKey {
		require.Equal(t, 1, p.N, "fan %s", p.FanID)
	}
	var charges int64
	require.NoError(t, st.DB(ctx).Model(&models.SandboxCharge{}).Count(&charges).Error)
	require.EqualValues(t, members, charges, "the provider charged each membership once")
}
