package models

import (
	"time"

	"github.com/google/uuid"
)

// Limits of a party's chat.
const (
	PartyChatMaxRunes   = 500 // once sanitized
	PartySlowModeMaxSec = 300
)

// PartyMessage is a chat message of a party. A host's delete sets
// DeletedAt and DeletedBy; the row stays for the moderators.
type PartyMessage struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	PartyID   uuid.UUID
	UserID    uuid.UUID
	Body      string
	CreatedAt time.Time
	DeletedAt *time.Time
	DeletedBy *uuid.UUID
}
