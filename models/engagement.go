package models

import (
	"time"

	"github.com/google/uuid"
)

// Action is a kind of act that counts towards a fan's engagement with an
// artist (docs/engagement.md, "One event stream").
type Action string

// The actions; their amounts are seconds for play, progress and listen,
// and 1 for the rest.
const (
	ActionPlay       Action = "play"     // a play report (store.RecordPlay)
	ActionProgress   Action = "progress" // play progress a client reports
	ActionListen     Action = "listen"   // a stay in a party's room
	ActionChat       Action = "chat"     // a party chat line
	ActionReaction   Action = "reaction" // a party reaction
	ActionDM         Action = "dm"
	ActionDMReaction Action = "dm_reaction"
	ActionFollow     Action = "follow"
	ActionQuestion   Action = "question" // a Q&A question
	ActionShare      Action = "share"    // a share a client reports
)

// EngagementEvent is one act of a fan towards an artist, stored
// append-only. OnceKey, unique per user, makes an event count once: a
// client's event id, or an act that earns once ("follow:{artist}").
type EngagementEvent struct {
	ID       uuid.UUID
	UserID   uuid.UUID
	ArtistID uuid.UUID
	Action   Action
	Amount   int64
	At       time.Time
	OnceKey  *string
}

func (EngagementEvent) TableName() string { return "engagement_events" }
