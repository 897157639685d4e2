package models

import (
	"time"

	"github.com/google/uuid"
)

// PartyStay is one stay of a user in a party's room: from their first
// socket in to their last one out (LeftAt nil while they are there).
type PartyStay struct {
	ID       uuid.UUID `gorm:"primaryKey"`
	PartyID  uuid.UUID
	UserID   uuid.UUID
	JoinedAt time.Time
	LeftAt   *time.Time
}

// TableName is the stays' table.
func (PartyStay) TableName() string { return "party_participants" }

// Seconds is how long the stay lasted, or has lasted by now.
func (s PartyStay) Seconds(now time.Time) int64 {
	end := now
	if s.LeftAt != nil {
		end = *s.LeftAt
	}
	return max(0, int64(end.Sub(s.JoinedAt)/time.Second))
}

// PartyListener is a user in a party's room now, as its hosts see them.
type PartyListener struct {
	UserID      uuid.UUID
	DisplayName string
	JoinedAt    time.Time
}

// PartyGuest is a user a party lets in beyond its hosts: admitted by its
// invite code, accepted by a host, or RSVP'd.
type PartyGuest struct {
	UserID      uuid.UUID
	DisplayName string
	Since       time.Time // the earliest admission or RSVP
	Accepted    bool      // by a host: kept when the invite code changes
	RSVPed      bool
}
