package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// rewardSink takes the reward activities' notifications and socket events.
type rewardSink struct {
	mu     sync.Mutex
	sent   []notify.Notification
	events []realtime.Event
	rooms  []string
}

func (s *rewardSink) Send(_ context.Context, x notify.Notification) (*models.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, x)
	return &models.Notification{}, nil
}

func (s *rewardSink) Publish(_ context.Context, room string, ev realtime.Event) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events, s.rooms = append(s.events, ev), append(s.rooms, room)
	return 0, nil
}

type rewardWorld struct {
	st          *store.Store
	artist, fan *models.User
	item        *models.Content
	milestone   activities.Milestone
}

func newRewardWorld(t *testing.T, st *store.Store, now time.Time) rewardWorld {
	ctx := t.Context()
	w := rewardWorld{st: st,
		artist: &models.User{ID: models.NewID(), Email: "artist@example.com", Role: models.RoleArtist, DisplayName: "Nova", TimeZone: "UTC"},
		fan:    &models.User{ID: models.NewID(), Email: "fan@example.com", Role: models.RoleFan, DisplayName: "Kai", TimeZone: "UTC"}}
	require.NoError(t, st.CreateUser(ctx, w.artist, &models.Artist{Slug: "nova", Name: "Nova"}))
	require.NoError(t, st.CreateUser(ctx, w.fan, nil))
	w.item = &models.Content{ID: models.NewID(), ArtistID: w.artist.ID, Kind: models.ContentPost, Title: "Demo", MinTier: models.TierSuperfan,
		CreatedAt: now, UpdatedAt: now}
	require.NoError(t, st.CreateContent(ctx, w.item))
	w.milestone = activities.Milestone{UserID: w.fan.ID, ArtistID: w.artist.ID, Key: "minutes_1000"}
	_, err := st.AwardMilestone(ctx, models.UserMilestone{UserID: w.fan.ID, ArtistID: w.artist.ID, Key: w.milestone.Key, AwardedAt: now})
	require.NoError(t, err)
	meet := now.Add(7 * 24 * time.Hour)
	rules := []models.RewardRule{
		{Kind: models.RewardBadge, Title: "Night owl"},
		{Kind: models.RewardUnlock, Title: "The demo", ContentID: &w.item.ID},
		{Kind: models.RewardDiscount, Title: "15% off", PercentOff: 15, ValidDays: 30},
		{Kind: models.RewardMeetGreet, Title: "Meet Nova", Seats: 1, MeetAt: &meet},
		{Kind: models.RewardPrioritySeat, Title: "Front row"},
	}
	for i := range rules {
		rules[i].ID, rules[i].ArtistID, rules[i].MilestoneKey, rules[i].Position, rules[i].CreatedAt = models.NewID(), w.artist.ID, w.milestone.Key, i, now
	}
	require.NoError(t, st.ReplaceRewardRules(ctx, w.artist.ID, rules))
	return w
}

// run executes one RewardWorkflow of the world's milestone.
func (w rewardWorld) run(t *testing.T, sink *rewardSink, at time.Time) workflows.RewardState {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(at)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.RewardID(w.fan.ID, w.artist.ID, w.milestone.Key)})
	env.RegisterActivity(&activities.Reward{Store: w.st, Notify: sink, Rooms: sink, Now: func() time.Time { return at }})
	env.ExecuteWorkflow(workflows.RewardWorkflow, w.milestone)
	require.NoError(t, env.GetWorkflowError())
	var st workflows.RewardState
	require.NoError(t, env.GetWorkflowResult(&st))
	return st
}

// A milestone grants each of its rewards once, tells the fan (category
// reward, with the events in their own room) and the artist under keys
// of the milestone, and is marked delivered; run again (a retry), it
// grants nothing more and sends under the same keys.
func TestRewardWorkflowGrantsEachRewardOnce(t *testing.T) {
	st := testenv.Postgres(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w := newRewardWorld(t, st, now)
	sink := &rewardSink{}
	got := w.run(t, sink, now)
	require.Equal(t, 5, got.Rules)
	require.True(t, got.Told)
	require.Len(t, got.Granted, 5)

	grants := testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", w.fan.ID)
	require.Len(t, grants, 5)
	byKind := map[models.RewardKind]models.RewardGrant{}
	for _, g := range grants {
		byKind[g.Kind] = g
	}
	code := byKind[models.RewardDiscount]
	require.Len(t, *code.Code, 12)
	require.True(t, code.ExpiresAt.Equal(now.AddDate(0, 0, 30)))
	require.Equal(t, w.item.ID, *byKind[models.RewardUnlock].ContentID)
	unlocked, err := st.Unlocked(t.Context(), w.artist.ID, w.fan.ID)
	require.NoError(t, err)
	require.True(t, unlocked[w.item.ID])

	ms, err := st.UserMilestone(t.Context(), w.fan.ID, w.artist.ID, w.milestone.Key)
	require.NoError(t, err)
	require.NotNil(t, ms.DeliveredAt)

	require.Len(t, sink.sent, 2)
	fan, artist := sink.sent[0], sink.sent[1]
	id := workflows.RewardID(w.fan.ID, w.artist.ID, w.milestone.Key)
	require.Equal(t, w.fan.ID, fan.UserID)
	require.Equal(t, "reward", fan.Category)
	require.Equal(t, id+"/fan", fan.Key)
	require.Equal(t, w.artist.ID, artist.UserID)
	require.Equal(t, "milestone", artist.Category)
	require.Equal(t, id+"/artist", artist.Key)
	require.Equal(t, "Kai reached 1000 minutes of listening", artist.Title)
	require.Len(t, sink.events, 6, "the milestone and each grant")
	require.Equal(t, "engagement:milestone", sink.events[0].Type)
	for i, ev := range sink.events[1:] {
		require.Equal(t, "reward:granted", ev.Type)
		require.Equal(t, realtime.UserRoom(w.fan.ID.String()), sink.rooms[i+1])
	}

	again := w.run(t, sink, now.Add(time.Minute))
	require.Equal(t, got.Granted, again.Granted, "a retry finds the first grants")
	require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", w.fan.ID), 5)
	require.Equal(t, []string{fan.Key, artist.Key}, []string{sink.sent[2].Key, sink.sent[3].Key}, "the same keys: the notifier sends each once")
}

// A meet & greet whose seats went grants the rest and says so with an
// empty id; a milestone without a row delivers nothing.
func TestRewardWorkflowWithoutSeatsOrRow(t *testing.T) {
	st := testenv.Postgres(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w := newRewardWorld(t, st, now)
	rules, err := st.RewardRulesFor(t.Context(), w.artist.ID, w.milestone.Key)
	require.NoError(t, err)
	other := &models.User{ID: models.NewID(), Email: "ada@example.com", Role: models.RoleFan, DisplayName: "Ada", TimeZone: "UTC"}
	require.NoError(t, st.CreateUser(t.Context(), other, nil))
	_, err = st.GrantReward(t.Context(), &models.RewardGrant{ID: models.NewID(), UserID: other.ID, ArtistID: w.artist.ID, MilestoneKey: w.milestone.Key,
		RuleID: rules[3].ID, Kind: models.RewardMeetGreet, Title: "Meet Nova", MeetAt: rules[3].MeetAt, GrantedAt: now})
	require.NoError(t, err)

	got := w.run(t, &rewardSink{}, now)
	require.Len(t, got.Granted, 5)
	require.Empty(t, got.Granted[3], "the one seat was taken")
	require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", w.fan.ID), 4)

	w.milestone.Key = "score_100" // never reached
	sink := &rewardSink{}
	got = w.run(t, sink, now)
	require.Equal(t, workflows.RewardState{}, got)
	require.Empty(t, sink.sent, "nobody told of a milestone never reached")
}
