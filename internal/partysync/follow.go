package partysync

import "github.com/fanfare/fanfare/models"

// The reference player (docs/parties.md): how a client follows a party.
// It keeps the server's clock from ping/pong round trips, keeps the newest
// playback it was sent, computes where the party is now and decides
// whether its own player seeks or nudges its rate to get there.

// Thresholds of Correct.
const (
	Tolerance = 40   // ms of drift nobody hears: left alone
	SeekAbove = 400  // ms of drift past which the player seeks (a rate nudge would take over 8 s)
	Nudge     = 0.05 // the rate change that closes a smaller drift (pitch kept by the player)
	KeepRTTs  = 8    // round trips the clock keeps to choose from
)

// Clock estimates how far the server's clock is ahead of this client's.
// Each ping/pong gives offset = server_ms − (sent + received)/2, exact
// when both halves of the round trip took as long; of the last KeepRTTs
// samples the one with the shortest round trip is used, since queueing
// on one leg lengthens it.
type Clock struct {
	samples []clockSample
}

type clockSample struct{ offset, rtt int64 }

// Observe records one round trip: sentMs and receivedMs on the client's
// clock, serverMs from the pong.
func (c *Clock) Observe(sentMs, serverMs, receivedMs int64) {
	c.samples = append(c.samples, clockSample{offset: serverMs - (sentMs+receivedMs)/2, rtt: receivedMs - sentMs})
	if len(c.samples) > KeepRTTs {
		c.samples = c.samples[1:]
	}
}

// Offset is the server's clock minus the client's; ok is false before
// the first round trip.
func (c *Clock) Offset() (offset int64, ok bool) {
	if len(c.samples) == 0 {
		return 0, false
	}
	best := c.samples[0]
	for _, s := range c.samples[1:] {
		if s.rtt < best.rtt {
			best = s
		}
	}
	return best.offset, true
}

// Position is where the party's track is at serverNowMs (server clock):
// position_ms + rate × (now − server_ms), never before the track's start.
// The player stops at the track's end until the next sync names the next.
func Position(pb models.PartyPlayback, serverNowMs int64) int64 {
	if !pb.Playing {
		return pb.PositionMs
	}
	return max(0, pb.PositionMs+int64(pb.Rate*float64(serverNowMs-pb.ServerMs)))
}

// Follower is a client's view of a party: its clock and the newest
// playback it was sent (party:sync frames, the join ack).
type Follower struct {
	Clock    Clock
	playback models.PartyPlayback
	has      bool
}

// Sync keeps pb unless a playback of the same or a higher version is
// kept already (syncs can arrive out of order); it reports whether it did.
func (f *Follower) Sync(pb models.PartyPlayback) bool {
	if f.has && pb.Version <= f.playback.Version {
		return false
	}
	f.playback, f.has = pb, true
	return true
}

// Playback is the newest playback kept; ok is false before the first.
func (f *Follower) Playback() (models.PartyPlayback, bool) { return f.playback, f.has }

// Expected is the track and position the player should be at when its
// own clock reads clientNowMs; ok is false before a playback and a round
// trip are known.
func (f *Follower) Expected(clientNowMs int64) (track int, positionMs int64, ok bool) {
	offset, clocked := f.Clock.Offset()
	if !f.has || !clocked {
		return 0, 0, false
	}
	return f.playback.TrackIndex, Position(f.playback, clientNowMs+offset), true
}

// Correction is what a player does to follow: seek to SeekTo when Seek,
// and play at Rate (0 paused).
type Correction struct {
	Seek   bool
	SeekTo int64
	Rate   float64
}

// Correct tells a player at playerMs of the expected track how to reach
// expectedMs: a paused party is matched exactly; a drift under Tolerance
// is left alone, one up to SeekAbove is closed by playing Nudge faster or
// slower, a larger one by seeking. A player on another track loads the
// expected one at expectedMs first.
func Correct(playerMs, expectedMs int64, playing bool) Correction {
	drift := expectedMs - playerMs // > 0: the player is behind
	switch {
	case !playing:
		return Correction{Seek: drift != 0, SeekTo: expectedMs}
	case abs(drift) <= Tolerance:
		return Correction{Rate: 1}
	case abs(drift) <= SeekAbove && drift > 0:
		return Correction{Rate: 1 + Nudge}
	case abs(drift) <= SeekAbove:
		return Correction{Rate: 1 - Nudge}
	}
	return Correction{Seek: true, SeekTo: expectedMs, Rate: 1}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
