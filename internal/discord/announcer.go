package discord

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Announcer posts announcements to the webhook an artist set.
type Announcer struct {
	Client *Client
	Store  *store.Store
	Now    func() time.Time
}

// Announce posts m to the artist's webhook once per key: nothing when the
// artist set none, or when the key was posted before (an activity retry).
// The key is claimed before the post and released when the post fails, so
// a retry tries again; a post whose answer was lost after Discord stored
// it is the one case that can show twice. A refusal retrying cannot
// change (the webhook was deleted) is a non-retryable Temporal error.
func (a *Announcer) Announce(ctx context.Context, artistID uuid.UUID, key string, m Message) error {
	if key == "" {
		return temporal.NewNonRetryableApplicationError("discord: an announcement needs a key", "DiscordNoKey", nil)
	}
	w, err := a.Store.DiscordWebhook(ctx, artistID)
	if models.ErrorCode(err) == models.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	claimed, err := a.Store.ClaimDiscordPost(ctx, &models.DiscordPost{Key: key, ArtistID: artistID, CreatedAt: a.Now()})
	if err != nil || !claimed {
		return err
	}
	err = a.Client.Post(ctx, Webhook{ID: w.WebhookID, Token: w.Token}, m)
	if err == nil {
		return nil
	}
	if rerr := a.Store.ReleaseDiscordPost(context.WithoutCancel(ctx), key); rerr != nil { // ctx may be what ran out
		return errors.Join(err, rerr)
	}
	var de *Error
	if errors.As(err, &de) && de.Permanent {
		return temporal.NewNonRetryableApplicationError(de.Error(), "DiscordRefused", nil)
	}
	return err
}
