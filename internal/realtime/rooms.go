package realtime

import (
	"context"
	"strings"

	"github.com/fanfare/fanfare/models"
)

// Access decides whether userID may join the room kind:id; it returns nil,
// or an error such as models.ErrForbidden or models.ErrNotFound.
type Access func(ctx context.Context, userID string, role models.Role, id string) error

// Kind is what a feature registers for a room kind (docs/realtime.md).
type Kind struct {
	Access Access
	// Crowd rooms are public and large (an artist's feed): members get a
	// count of who is there instead of each arrival and departure, and
	// typing means nothing there.
	Crowd bool
	// Join, when set, runs once Access allowed a socket in and before it
	// is in the room; an error refuses the join and is the client's answer
	// (a full room: models.Errorf(models.CodeConflict, "the room is full")).
	Join func(ctx context.Context, m Member) error
	// Leave, when set, is told once of each member that Join let in (or
	// whose Join was cut short): when it leaves the room, is taken out by a
	// recheck, closes, or — its instance gone — when its roster entry
	// expires on another instance. Release what Join took, keyed by m,
	// and do nothing for a member you do not know.
	Leave func(ctx context.Context, m Member)
	// Joined, when set, runs once a socket is in the room (join_room or a
	// feature's Conn.Join): what it sends the socket comes before the
	// join's ack, and no event of the room can be missed in between.
	Joined func(ctx context.Context, c *Conn, room string)
}

// hooked kinds keep their members in the roster.
func (k Kind) hooked() bool { return k.Join != nil || k.Leave != nil }

// Handler serves a client frame type other than the built-in ones; what it
// returns is the ack's data.
type Handler func(ctx context.Context, c *Conn, f Frame) (any, error)

// Contacts lists the users who see userID's online/offline changes in their
// own user:{id} room (later: conversation partners who have not blocked them).
type Contacts func(ctx context.Context, userID string) ([]string, error)

// RateClass is a per-connection token bucket.
type RateClass int

// The rate classes; frames of one class share a bucket.
const (
	RateNone RateClass = iota
	RateTyping
	RateChat
	RateReaction
	RateRooms // join_room and leave_room
	rateClasses
)

// UserRoom is a user's private room, joined on connect.
func UserRoom(userID string) string { return "user:" + userID }

// ConversationRoom is the room of a conversation's members.
func ConversationRoom(id string) string { return "conversation:" + id }

// BackstageRoom is an artist's virtual backstage.
func BackstageRoom(artistID string) string { return "backstage:" + artistID }

// ArtistRoom is an artist's public crowd room (their followers' feed).
func ArtistRoom(artistID string) string { return "artist:" + artistID }

// QARoom is the live room of a Q&A session.
func QARoom(sessionID string) string { return "qa:" + sessionID }

// LiveRoom is the room of a live session: its chat and its end.
func LiveRoom(sessionID string) string { return "live:" + sessionID }

func splitRoom(room string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(room, ":")
	return kind, id, ok && kind != "" && id != ""
}

// userRoomAccess lets a user into their own user:{id} room only.
func userRoomAccess(_ context.Context, userID string, _ models.Role, id string) error {
	if id != userID {
		return models.ErrForbidden
	}
	return nil
}

// PartyRoom is the room of a listening party's listeners.
func PartyRoom(partyID string) string { return "party:" + partyID }
