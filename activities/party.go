package activities

import (
	"context"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Party writes what a PartyWorkflow decides to the party's row, which the
// api reads.
type Party struct {
	Store *store.Store
}

// RecordParty writes a party's status and playback.
func (a *Party) RecordParty(ctx context.Context, r models.PartyRecord) error {
	return a.Store.SetPartyPlayback(ctx, r)
}
