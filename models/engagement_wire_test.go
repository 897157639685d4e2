package models_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// An event comes out of its encoding as it went in, with or without a
// once key; anything that is not an encoding is an error, never a panic.
func TestEngagementEventEncoding(t *testing.T) {
	once := "client:abc-1"
	for _, e := range []models.EngagementEvent{
		{ID: models.NewID(), UserID: models.NewID(), ArtistID: models.NewID(), Action: models.ActionProgress, Amount: 42,
			At: time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC), OnceKey: &once},
		{ID: models.NewID(), UserID: models.NewID(), ArtistID: models.NewID(), Action: models.ActionShare, Amount: 1,
			At: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)},
	} {
		b := e.Encode()
		got, err := models.DecodeEngagementEvent(b)
		require.NoError(t, err)
		require.Equal(t, e, got)
		for n := range len(b) {
			_, err := models.DecodeEngagementEvent(b[:n])
			require.Error(t, err, "cut at %d", n)
		}
		_, err = models.DecodeEngagementEvent(append(b, 0))
		require.Error(t, err, "trailing bytes")
	}
}
