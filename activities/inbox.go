package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/models"
)

// Sender delivers a digest on one channel (email, push).
type Sender interface {
	Send(ctx context.Context, d models.Digest) error
}

// Inbox delivers what the inbox workflow decided to send.
type Inbox struct {
	Senders map[models.Channel]Sender
}

// Deliver sends a digest through its channel's sender.
func (a *Inbox) Deliver(ctx context.Context, d models.Digest) error {
	s, ok := a.Senders[d.Channel]
	if !ok {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("no sender for channel %q", d.Channel), "NoSender", nil)
	}
	return s.Send(ctx, d)
}
