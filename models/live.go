package models

import (
	"time"

	"github.com/google/uuid"
)

// LiveSession is an artist's live stream for the tiers with the perk. The
// stream is elsewhere (YouTube, Twitch, …): the row keeps its https URL,
// which the server never fetches, and the embed URL when one is derived.
type LiveSession struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	ArtistID  uuid.UUID
	Title     string
	StreamURL string
	EmbedURL  *string
	StartedAt time.Time
	EndedAt   *time.Time // nil while it runs
}

// TableName is the table of live sessions.
func (LiveSession) TableName() string { return "live_sessions" }
