package models_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// An unlocked item opens to its viewer at every tier and time, with no
// 403 to give; other items, other viewers and other kinds of resource
// keep to their tier.
func TestCanAccessHonoursUnlocks(t *testing.T) {
	artist, item, other := models.NewID(), models.NewID(), models.NewID()
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	fan := models.Viewer{UserID: models.NewID(), Role: models.RoleFan, Tier: models.TierFollower, Unlocked: map[uuid.UUID]bool{item: true}}
	locked := func(id uuid.UUID, kind models.ResourceKind) models.Resource {
		return models.Resource{ID: id, Kind: kind, ArtistID: artist, MinTier: models.TierSuperfan, PublicAt: &later}
	}
	now := later.Add(-365 * 24 * time.Hour)
	require.True(t, models.CanAccess(fan, locked(item, models.ResourceContent), now))
	at, ok := models.AvailableAt(fan, locked(item, models.ResourceContent))
	require.True(t, ok)
	require.True(t, at.IsZero(), "open since always")
	require.False(t, models.CanAccess(fan, locked(other, models.ResourceContent), now))
	require.False(t, models.CanAccess(fan, locked(item, models.ResourceParty), now), "unlocks are content")
	stranger := fan
	stranger.UserID, stranger.Unlocked = models.NewID(), nil
	require.False(t, models.CanAccess(stranger, locked(item, models.ResourceContent), now))
}

func TestFanMilestonesAndTheirWords(t *testing.T) {
	for _, key := range []string{"minutes_1000", "minutes_100000", "score_100", "score_10000", models.MilestoneSupport1Year} {
		require.True(t, models.FanMilestone(key), key)
	}
	for _, key := range []string{"minutes_999", "followers_100", "artist_minutes_1000", "club_members_10", "score_100x", ""} {
		require.False(t, models.FanMilestone(key), key)
	}
	for key, want := range map[string]string{
		"minutes_1000": "1000 minutes of listening", "score_100": "an engagement score of 100", "followers_100": "100 followers",
		"artist_minutes_1000": "1000 minutes streamed", "club_members_50": "50 club members",
		models.MilestoneSupport6Months: "six months of support", "minutes_10x": "minutes_10x",
	} {
		require.Equal(t, want, models.MilestoneText(key), key)
	}
}
