package models

import (
	"time"

	"github.com/google/uuid"
)

// PartyChatMaxRunes is the most characters of a party's chat line, once
// sanitized.
const PartyChatMaxRunes = 500

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
