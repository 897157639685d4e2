package activities_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A broadcast pages through its audience's kind; a kind this worker does
// not know (sent by a newer api during a deploy) fails at once instead of
// being retried, and writes nothing.
func TestBroadcastAudienceKinds(t *testing.T) {
	st := testenv.Postgres(t)
	a := &activities.Broadcast{Store: st}
	b := models.Broadcast{ID: models.NewID().String(), ArtistID: models.NewID().String(), Category: "announcement", Title: "x"}
	for _, kind := range []models.AudienceKind{models.AudienceFollowers, ""} { // "": started before kinds
		b.Audience = kind
		p, err := a.DeliverPage(t.Context(), b, models.BroadcastProgress{})
		require.NoError(t, err, kind)
		require.True(t, p.Done, "no followers: done at once")
	}
	b.Audience = "party_rsvps"
	_, err := a.DeliverPage(t.Context(), b, models.BroadcastProgress{})
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "%v", err)
	require.True(t, app.NonRetryable())
}
