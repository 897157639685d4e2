package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// A keyed notification's row is the same on retry, whenever it is built,
// dated at its At; another key or user is another row.
func TestKeyedRowsAreTheSameOnRetry(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	x := Notification{UserID: models.NewID(), Category: "milestone", Title: "t", Key: "milestone/a/followers_100", At: at}
	one, err := Row(x, at.Add(time.Minute))
	require.NoError(t, err)
	two, err := Row(x, at.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, one.ID, two.ID)
	require.True(t, one.CreatedAt.Equal(at))
	require.EqualValues(t, 7, one.ID.Version(), "time-ordered like every id")
	x.Key += "x"
	other, err := Row(x, at)
	require.NoError(t, err)
	require.NotEqual(t, one.ID, other.ID)
	x.Key, x.UserID = "milestone/a/followers_100", models.NewID()
	other, err = Row(x, at)
	require.NoError(t, err)
	require.NotEqual(t, one.ID, other.ID)
}
