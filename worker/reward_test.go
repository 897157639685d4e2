package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/searchattr"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// On the dev server, a milestone row is delivered by the app's dispatcher
// and worker: one RewardWorkflow under the milestone's id, summarised and
// searchable without personal data, its rewards granted; a second start
// is a no-op that reports it delivered.
func TestRewardWorkflowOnTheDevServer(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	meet := time.Now().Add(72 * time.Hour).UTC()
	r := app.Do(t, http.MethodPut, "/api/artists/"+artist.User.ID+"/rewards", artist.AccessToken, map[string]any{"rules": []any{
		map[string]any{"milestone_key": "score_100", "kind": "badge", "title": "Regular"},
		map[string]any{"milestone_key": "score_100", "kind": "discount_code", "title": "10% off", "percent_off": 10, "valid_days": 7},
		map[string]any{"milestone_key": "score_100", "kind": "meet_greet", "title": "Meet Nova", "seats": 5, "meet_at": meet},
	}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	st, c := app.Platform.Store, app.Platform.Temporal
	m := activities.Milestone{UserID: uuid.MustParse(fan.User.ID), ArtistID: uuid.MustParse(artist.User.ID), Key: "score_100"}
	_, err := st.AwardMilestone(t.Context(), models.UserMilestone{UserID: m.UserID, ArtistID: m.ArtistID, Key: m.Key, AwardedAt: time.Now().UTC()})
	require.NoError(t, err)
	app.Platform.Milestones.Wake()

	id := workflows.RewardID(m.UserID, m.ArtistID, m.Key)
	require.Eventually(t, func() bool {
		ms, err := st.UserMilestone(t.Context(), m.UserID, m.ArtistID, m.Key)
		return err == nil && ms.DeliveredAt != nil
	}, time.Minute, 50*time.Millisecond)
	var out workflows.RewardState
	require.NoError(t, c.GetWorkflow(t.Context(), id, "").Get(t.Context(), &out))
	require.Equal(t, 3, out.Rules)
	require.True(t, out.Told)
	require.Len(t, testenv.Rows[models.RewardGrant](t, st, "id", "user_id = ?", m.UserID), 3)

	d, err := c.DescribeWorkflow(t.Context(), id, "")
	require.NoError(t, err)
	summary, err := d.GetStaticSummary()
	require.NoError(t, err)
	require.Equal(t, "reward · score_100", summary)
	artistID, _ := d.TypedSearchAttributes.GetKeyword(searchattr.ArtistID)
	fanID, _ := d.TypedSearchAttributes.GetKeyword(searchattr.FanID)
	require.Equal(t, []string{artist.User.ID, fan.User.ID}, []string{artistID, fanID})

	delivered, err := workflows.RewardClient{Conn: app.Platform.Notify.Workflows}.Start(t.Context(), m)
	require.NoError(t, err)
	require.True(t, delivered, "a second start starts nothing")
	d2, err := c.DescribeWorkflow(t.Context(), id, "")
	require.NoError(t, err)
	require.Equal(t, d.WorkflowExecution.RunID, d2.WorkflowExecution.RunID)
	testenv.RecordHistory(t, c, id, "reward_v1.json")
}
