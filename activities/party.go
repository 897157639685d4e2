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
// api reads.
type Party struct {
	Store   *store.Store
	Discord Discord
}

// RecordParty writes a party's status and playback.
func (a *Party) RecordParty(ctx context.Context, r models.PartyRecord) error {
	return a.Store.SetPartyPlayback(ctx, r)
}
