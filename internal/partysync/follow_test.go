package partysync_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/partysync"
	"github.com/fanfare/fanfare/models"
)

// The clock takes the offset of the shortest round trip among the last
// KeepRTTs: a sample delayed on one leg is not believed.
func TestClockTrustsTheShortestRoundTrip(t *testing.T) {
	var c partysync.Clock
	_, ok := c.Offset()
	require.False(t, ok)
	const skew = 2000 // the server is 2 s ahead
	// sent, server, received on the client's clock: 20 ms each way,
	// then replies delayed 300 ms on the way back.
	c.Observe(1000, 1020+skew, 1040)
	off, ok := c.Offset()
	require.True(t, ok)
	require.EqualValues(t, skew, off)
	for i := range int64(partysync.KeepRTTs - 1) {
		sent := 2000 + 1000*i
		c.Observe(sent, sent+20+skew, sent+340)
	}
	off, _ = c.Offset()
	require.EqualValues(t, skew, off, "the clean sample is among the kept ones")
	sent := int64(20000)
	c.Observe(sent, sent+20+skew, sent+340) // the clean sample falls out
	off, _ = c.Offset()
	require.EqualValues(t, skew-150, off, "then the best left is used (half its excess delay is error)")
}

func TestPosition(t *testing.T) {
	playing := models.PartyPlayback{PositionMs: 10000, Playing: true, Rate: 1, ServerMs: 50000}
	require.EqualValues(t, 12500, partysync.Position(playing, 52500))
	require.EqualValues(t, 0, partysync.Position(models.PartyPlayback{Playing: true, Rate: 1, ServerMs: 50000}, 49000), "never before the start")
	paused := models.PartyPlayback{PositionMs: 10000, ServerMs: 50000}
	require.EqualValues(t, 10000, partysync.Position(paused, 90000))
}

// A follower keeps the newest playback whatever order syncs arrive in,
// and projects it on its estimate of the server's clock.
func TestFollowerKeepsTheNewest(t *testing.T) {
	var f partysync.Follower
	_, _, ok := f.Expected(0)
	require.False(t, ok)
	require.True(t, f.Sync(models.PartyPlayback{TrackIndex: 2, PositionMs: 1000, Playing: true, Rate: 1, Version: 5, ServerMs: 10000}))
	require.False(t, f.Sync(models.PartyPlayback{TrackIndex: 1, Version: 4}), "an older sync that arrives late is ignored")
	require.False(t, f.Sync(models.PartyPlayback{TrackIndex: 1, Version: 5}))
	_, _, ok = f.Expected(0)
	require.False(t, ok, "no clock yet")
	f.Clock.Observe(100, 8100, 100)    // the server is 8 s ahead
	track, pos, ok := f.Expected(2500) // server time 10,500
	require.True(t, ok)
	require.Equal(t, 2, track)
	require.EqualValues(t, 1500, pos)
}

func TestCorrect(t *testing.T) {
	for _, c := range []struct {
		name             string
		player, expected int64
		playing          bool
		want             partysync.Correction
	}{
		{"in tolerance", 10000, 10040, true, partysync.Correction{Rate: 1}},
		{"behind: faster", 10000, 10041, true, partysync.Correction{Rate: 1 + partysync.Nudge}},
		{"ahead: slower", 10400, 10000, true, partysync.Correction{Rate: 1 - partysync.Nudge}},
		{"far behind: seek", 10000, 10401, true, partysync.Correction{Seek: true, SeekTo: 10401, Rate: 1}},
		{"far ahead: seek", 20000, 10000, true, partysync.Correction{Seek: true, SeekTo: 10000, Rate: 1}},
		{"paused: exact", 10010, 10000, false, partysync.Correction{Seek: true, SeekTo: 10000}},
		{"paused in place", 10000, 10000, false, partysync.Correction{SeekTo: 10000}},
	} {
		require.Equal(t, c.want, partysync.Correct(c.player, c.expected, c.playing), c.name)
	}
}
