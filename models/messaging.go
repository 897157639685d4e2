package models

import (
	"time"

	"github.com/google/uuid"
)

// Conversation is between an artist and one fan, one per pair.
type Conversation struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	ArtistID  uuid.UUID
	FanID     uuid.UUID
	OpenedBy  uuid.UUID
	CreatedAt time.Time
}

// Other is the member of the conversation who is not user.
func (c *Conversation) Other(user uuid.UUID) uuid.UUID {
	if user == c.ArtistID {
		return c.FanID
	}
	return c.ArtistID
}

// ConversationMember is one side's view of a conversation.
type ConversationMember struct {
	ConversationID uuid.UUID `gorm:"primaryKey"`
	UserID         uuid.UUID `gorm:"primaryKey"`
	Pinned         bool
	Archived       bool
	Muted          bool
	Blocked        bool // this member blocked the other
	LastReadID     *uuid.UUID
	LastMessageID  *uuid.UUID // the conversation's last message, kept on both sides
	LastSenderID   *uuid.UUID
	LastMessageAt  time.Time
	UpdatedAt      time.Time
}

// Message is a direct message; deleted ones keep their row, without text.
type Message struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	ConversationID  uuid.UUID
	SenderID        uuid.UUID
	Body            string // sanitized
	BodyHash        string
	AttachmentCount int
	IdempotencyKey  *string
	Counted         bool // took a unit of the fan's quota
	CreatedAt       time.Time
	DeletedAt       *time.Time
}

// MessageReaction is one user's emoji on a message.
type MessageReaction struct {
	MessageID uuid.UUID `gorm:"primaryKey"`
	UserID    uuid.UUID `gorm:"primaryKey"`
	Emoji     string    `gorm:"primaryKey"`
	CreatedAt time.Time
}

// Attachment is an uploaded file; it belongs to its uploader until a
// message carries it, then to that message's conversation.
type Attachment struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	UploaderID     uuid.UUID
	MessageID      *uuid.UUID
	ConversationID *uuid.UUID
	ContentType    string // sniffed from the bytes, never taken from the client
	SizeBytes      int64
	SHA256         string `gorm:"column:sha256"`
	CreatedAt      time.Time
}

// MessageReport is a message reported to the moderators: a direct
// message or a party's chat message (exactly one of the two).
type MessageReport struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	MessageID      *uuid.UUID
	PartyMessageID *uuid.UUID
	ReporterID     uuid.UUID
	Reason         string
	Status         string
	CreatedAt      time.Time
}
