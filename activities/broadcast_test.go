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
// not know (sent by a newer api during a deploy), or a members audience
// without paid tiers, fails at once instead of being retried, and writes
// nothing.
func TestBroadcastAudienceKinds(t *testing.T) {
	st := testenv.Postgres(t)
	a := &activities.Broadcast{Store: st}
	artist := models.NewID()
	for name, audience := range map[string]models.Audience{
		"followers":    models.Followers(artist),
		"before kinds": {ArtistID: artist},
		"members":      models.Members(artist, models.TierSuperfan),
		"both tiers":   models.Members(artist, models.TierSupporter, models.TierSuperfan),
		"non-members":  models.NonMembers(artist),
		"party":        models.PartyGuests(artist, models.NewID(), models.TierFollower.AndAbove()...),
	} {
		b := models.Broadcast{ID: models.NewID().String(), ArtistID: artist.String(), Audience: audience.Kind, Tiers: audience.Tiers,
			Category: "announcement", Title: "x", PartyID: audience.PartyID.String()}
		p, err := a.DeliverPage(t.Context(), b, models.BroadcastProgress{})
		require.NoError(t, err, name)
		require.True(t, p.Done, "%s: nobody there: done at once", name)
	}
	for name, audience := range map[string]models.Audience{
		"unknown kind":  {Kind: "party_rsvps", ArtistID: artist},
		"no tiers":      models.Members(artist),
		"follower tier": models.Members(artist, models.TierFollower),
		"unknown tier":  models.Members(artist, models.TierSuperfan, "gold"),
		"no party":      {Kind: models.AudienceParty, ArtistID: artist},
	} {
		b := models.Broadcast{ID: models.NewID().String(), ArtistID: artist.String(), Audience: audience.Kind, Tiers: audience.Tiers,
			Category: "announcement", Title: "x"}
		_, err := a.DeliverPage(t.Context(), b, models.BroadcastProgress{})
		var app *temporal.ApplicationError
		require.True(t, errors.As(err, &app), "%s: %v", name, err)
		require.True(t, app.NonRetryable(), name)
	}
}
