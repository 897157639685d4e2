package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Discord posts an announcement to an artist's Discord webhook, when the
// artist set one (a nil error and nothing sent otherwise). Declared here,
// where it is used; filled in by the composition root.
type Discord interface {
	Announce(ctx context.Context, artistID uuid.UUID, msg DiscordMessage) error
}

// DiscordMessage is what an announcement says: a line of text and the
// link it points to (the party's share page).
type DiscordMessage struct {
	Content string
	URL     string
	Key     string // unique per announcement: a retry of the same key posts once
}

// Party writes what a PartyWorkflow decides to the party's row, which the
// api reads, and tells its listeners.
type Party struct {
	Store *store.Store
	Syncs PartySyncs // nil where no socket listens (tests)
}

// PartySyncs publishes a party's playback to its listeners, once per
// version however many publish it (partysync.Syncer).
type PartySyncs interface {
	Publish(ctx context.Context, partyID uuid.UUID, pb models.PartyPlayback) error
}

// RecordParty writes a party's status and playback, then publishes it: a
// change the api published already (a host's control) is not sent again.
func (a *Party) RecordParty(ctx context.Context, r models.PartyRecord) error {
	if err := a.Store.SetPartyPlayback(ctx, r); err != nil || a.Syncs == nil {
		return err
	}
	return a.Syncs.Publish(ctx, r.PartyID, r.Playback)
}
