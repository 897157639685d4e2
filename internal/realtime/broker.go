package realtime

import (
	"context"
	"time"
)

// Broker carries room events between api instances and keeps each room's
// short history. An instance subscribes only to rooms with local members;
// every event reaches the instance once, as one prepared frame, whatever
// the number of local members.
type Broker interface {
	// Publish completes the encoded event tail with the room's next seq
	// (none when ephemeral) and the server time, keeps it in the room's
	// history unless ephemeral, and delivers it to every subscribed instance.
	Publish(ctx context.Context, room string, tail []byte, ephemeral bool) (seq uint64, err error)
	// Subscribe and Unsubscribe start and stop deliveries of room's events
	// to this instance's handler.
	Subscribe(ctx context.Context, room string) error
	Unsubscribe(ctx context.Context, room string) error
	// History returns the room's events after seq, oldest first, or
	// Recovered false when some of them are gone (too old, or the room's
	// epoch changed since the client saw seq).
	History(ctx context.Context, room string, since uint64, epoch string) (History, error)
	Close() error
}

// History is a room's position and the events a client missed.
type History struct {
	Seq       uint64   `json:"seq"`
	Epoch     string   `json:"epoch"`
	Recovered bool     `json:"recovered"`
	Events    [][]byte `json:"-"`
}

// Deliver receives a room's frame on this instance.
type Deliver func(room string, frame []byte)

// recoverable picks from entries (newest first, as both brokers keep them)
// the frames after since, oldest first, dropping those older than
// HistoryMaxAge, and says whether nothing the client missed is lost.
func recoverable(entries [][]byte, current, since uint64, now time.Time) ([][]byte, bool) {
	if since >= current {
		return nil, since == current
	}
	oldest := now.Add(-HistoryMaxAge).UnixMilli()
	var out [][]byte
	next := current
	for _, e := range entries {
		seq, ts := frameSeq(e)
		if seq <= since || ts < oldest || seq != next {
			break
		}
		out = append(out, e)
		next--
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, next == since
}
