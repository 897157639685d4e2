package models

import (
	"time"

	"github.com/google/uuid"
)

// Role is what a user is on the platform; access rules key off it.
type Role string

// Roles.
const (
	RoleFan    Role = "fan"
	RoleArtist Role = "artist"
	RoleAdmin  Role = "admin"
)

// NewID returns a time-ordered UUIDv7, the key of every table.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// User is an account.
type User struct {
	ID           uuid.UUID `gorm:"primaryKey"`
	Email        string
	PasswordHash string
	Role         Role
	DisplayName  string
	Country      *string // ISO 3166-1 alpha-2
	BirthYear    *int
	TimeZone     string // IANA name
	// LeaderboardHidden keeps the user off public leaderboards; their own
	// rank still counts them.
	LeaderboardHidden bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Artist is the public profile of a user with the artist role; its ID is
// the user's ID.
type Artist struct {
	ID            uuid.UUID `gorm:"primaryKey"`
	Slug          string
	Name          string
	Bio           string
	AvatarURL     string
	FollowerCount int64
	// StreamedSeconds is every fan's listening to the artist (plays,
	// progress, party stays): the artist's minute milestones.
	StreamedSeconds int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Follow is a user following an artist for free.
type Follow struct {
	UserID    uuid.UUID `gorm:"primaryKey"`
	ArtistID  uuid.UUID `gorm:"primaryKey"`
	CreatedAt time.Time
}

// RefreshToken is one token of a rotation family. Only its hash is stored.
// A token is used once; presenting a used token revokes the whole family.
type RefreshToken struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	UserID    uuid.UUID
	FamilyID  uuid.UUID
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}
