package realtime

import "github.com/fanfare/fanfare/models"

// EventType names a server event and fixes its payload type, so a publish
// site cannot send the wrong payload under a name. Events whose payloads
// live at or below this package are catalogued here; a feature declares
// its own next to its registration (api/messages_realtime.go).
type EventType[T any] string

// Of is the event with its payload, ready for Publish or Ephemeral.
func (t EventType[T]) Of(data T) Event { return Event{Type: string(t), Data: data} }

// The events of the protocol itself and of the services below api. The
// payloads' fields are in alphabetical order: the bytes on the wire are
// those of the maps they replaced.
const (
	EventPresence     EventType[PresenceChange]          = "presence"     // a user online or offline
	EventCount        EventType[CrowdCount]              = "presence"     // a crowd room's count
	EventTypingStart  EventType[Typing]                  = "typing_start" // relayed from a client frame
	EventTypingStop   EventType[Typing]                  = "typing_stop"
	EventNotification EventType[models.NotificationView] = "notification" // into user:{id}
	EventPartySync    EventType[models.PartyPlayback]    = "party:sync"   // into party:{id}, coalescing
)

// The frames sent to one socket, not into a room.
const (
	frameConnected = "connected"
	framePong      = "pong"
	frameRoomLeft  = "room_left" // access ended: see recheck.go
)

// PresenceChange says a user came online or went offline.
type PresenceChange struct {
	Status string `json:"status"` // "online" or "offline"
	UserID string `json:"user_id"`
}

// CrowdCount is how many sockets a crowd room holds across instances.
type CrowdCount struct {
	Count int `json:"count"`
}

// Typing says who is typing in a room.
type Typing struct {
	UserID string `json:"user_id"`
}
