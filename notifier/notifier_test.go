package notifier_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/testenv"
	"github.com/fanfare/fanfare/models"
)

type inboxPage struct {
	Items []struct {
		Category string `json:"category"`
		Title    string `json:"title"`
	} `json:"items"`
}

// An activity notifies through the platform's notifier, the entry point the
// api uses: the fan's row is in their inbox and on their socket at once.
func TestMilestoneNotifiesThroughTheNotifier(t *testing.T) {
	app := testenv.StartApp(t)
	artist, fan := app.Register(t, "artist", "Nova"), app.Register(t, "fan", "Kai")
	ws := app.Dial(t, fan.AccessToken)
	acts := &activities.Membership{Store: app.Platform.Store, Notify: app.Platform.Notify, Now: time.Now}
	require.NoError(t, acts.AwardMilestone(t.Context(), activities.MilestoneAward{
		ArtistID: uuid.MustParse(artist.User.ID), FanID: uuid.MustParse(fan.User.ID), Key: models.MilestoneSupport1Month, At: time.Now(),
	}))
	require.Equal(t, "milestone", ws.Await("notification")["data"].(map[string]any)["category"])
	for _, who := range []testenv.Session{fan, artist} {
		r := app.Do(t, http.MethodGet, "/api/notifications", who.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p inboxPage
		r.Decode(t, &p)
		require.Len(t, p.Items, 1)
		require.Equal(t, "milestone", p.Items[0].Category)
	}
}
