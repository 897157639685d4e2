package main

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A worker killed with SIGKILL while its dispatcher's RewardWorkflows are
// granting, then started again: every fan gets each reward once, the meet
// & greet's seats taken are exactly its grants, and fan and artist are
// told once per milestone.
func TestKilledWorkerGrantsEachRewardOnce(t *testing.T) {
	const fans = 60
	dbURL := testenv.PostgresURL(t)
	queue := fmt.Sprintf("rewards-%d", time.Now().UnixNano())
	env := []string{"DATABASE_URL=" + dbURL, "TEMPORAL_ADDRESS=" + testenv.TemporalAddress(t), "TEMPORAL_TASK_QUEUE=" + queue,
		"REDIS_URL=", "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=error"}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{MaxOpenConns: 4, MaxIdleConns: 4}, testenv.Log())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	artist := &models.User{ID: models.NewID(), Email: "a@example.com", Role: models.RoleArtist, DisplayName: "A", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(ctx, artist, &models.Artist{Slug: "a", Name: "A"}))
	now := time.Now().UTC()
	meet := now.Add(72 * time.Hour).Truncate(time.Second)
	rules := []models.RewardRule{
		{Kind: models.RewardBadge, Title: "Regular"},
		{Kind: models.RewardDiscount, Title: "10% off", PercentOff: 10, ValidDays: 7},
		{Kind: models.RewardMeetGreet, Title: "Meet A", Seats: fans, MeetAt: &meet},
	}
	for i := range rules {
		rules[i].ID, rules[i].ArtistID, rules[i].MilestoneKey, rules[i].Position, rules[i].CreatedAt = models.NewID(), artist.ID, "score_100", i, now
	}
	require.NoError(t, st.ReplaceRewardRules(ctx, artist.ID, rules))
	for i := range fans {
		fan := &models.User{ID: models.NewID(), Email: fmt.Sprintf("f%d@example.com", i), Role: models.RoleFan, DisplayName: "F", TimeZone: "UTC"}
		require.NoError(t, st.CreateUser(ctx, fan, nil))
		_, err := st.AwardMilestone(ctx, models.UserMilestone{UserID: fan.ID, ArtistID: artist.ID, Key: "score_100", AwardedAt: now})
		require.NoError(t, err)
	}
	count := func(model any, where string, args ...any) int64 { // -1 when it cannot be read
		var n int64
		if err := st.DB(ctx).Model(model).Where(where, args...).Count(&n).Error; err != nil {
			return -1
		}
		return n
	}
	granted := func() int64 { return count(&models.RewardGrant{}, "artist_id = ?", artist.ID) }
	worker := func() *exec.Cmd {
		cmd := fanfare(t, env, "worker")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	w := worker()
	require.Eventually(t, func() bool { return granted() >= fans }, time.Minute, 5*time.Millisecond, "grants did not start")
	require.NoError(t, w.Process.Kill())
	_ = w.Wait()
	done := granted()
	t.Logf("worker killed after %d of %d grants", done, fans*len(rules))
	require.Less(t, done, int64(fans*len(rules)), "the kill came before they were all granted")
	worker()
	require.Eventually(t, func() bool {
		return count(&models.UserMilestone{}, "artist_id = ? AND delivered_at IS NULL", artist.ID) == 0
	},
		2*time.Minute, 100*time.Millisecond)

	var perFan []struct {
		UserID string
		N      int
	}
	require.NoError(t, st.DB(ctx).Model(&models.RewardGrant{}).Select("user_id, count(*) AS n").
		Where("artist_id = ?", artist.ID).Group("user_id").Scan(&perFan).Error)
	require.Len(t, perFan, fans)
	for _, f := range perFan {
		require.Equal(t, len(rules), f.N, "fan %s", f.UserID)
	}
	pool := testenv.Rows[models.MeetGreet](t, st, "meet_at", "artist_id = ?", artist.ID)
	require.Equal(t, fans, pool[0].Taken, "a seat per meet & greet grant, none taken twice")
	require.EqualValues(t, fans, count(&models.Notification{}, "category = ?", "reward"), "each fan told once")
	require.EqualValues(t, fans, count(&models.Notification{}, "user_id = ?", artist.ID), "the artist told once per fan")
}
