package realtime

import "context"

// Publisher sends events into rooms, from api handlers and from activities
// alike: with Redis it reaches every api instance, wherever it is called.
type Publisher struct {
	broker Broker
}

// Publish sends ev into room with the room's next seq; it is kept in the
// room's history for clients that reconnect.
func (p Publisher) Publish(ctx context.Context, room string, ev Event) (uint64, error) {
	tail, err := encodeEvent(room, ev)
	if err != nil {
		return 0, err
	}
	return p.broker.Publish(ctx, room, tail, false)
}

// Ephemeral sends ev into room without seq or history (typing, presence).
func (p Publisher) Ephemeral(ctx context.Context, room string, ev Event) error {
	tail, err := encodeEvent(room, ev)
	if err != nil {
		return err
	}
	_, err = p.broker.Publish(ctx, room, tail, true)
	return err
}
