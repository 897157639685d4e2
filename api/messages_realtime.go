package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Messaging's real-time side: the conversation:{id} room, the events
// published into it, and who hears of a user's online/offline changes.

// The events of a conversation's room (fields in alphabetical order: the
// bytes of the maps they replaced).
const (
	eventMessageNew      realtime.EventType[messageView]     = "message:new"
	eventMessageDeleted  realtime.EventType[messageDeleted]  = "message:deleted"
	eventMessageReaction realtime.EventType[messageReaction] = "message:reaction"
	eventMessageRead     realtime.EventType[messageRead]     = "message:read"
)

type messageDeleted struct {
	ConversationID string `json:"conversation_id"`
	ID             string `json:"id"`
}

type messageReaction struct {
	Added     bool   `json:"added"`
	Emoji     string `json:"emoji"`
	MessageID string `json:"message_id"`
	UserID    string `json:"user_id"`
}

type messageRead struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	UserID         string `json:"user_id"`
}

func (s *Server) messagingRealtime(h *realtime.Hub) {
	h.RoomKind("conversation", realtime.Kind{Access: s.conversationAccess})
	h.SetContacts(func(ctx context.Context, userID string) ([]string, error) {
		id, err := uuid.Parse(userID)
		if err != nil {
			return nil, err
		}
		return s.Store.Contacts(ctx, id)
	})
}

// conversationAccess: a conversation's room is for its two members, and
// closed while either blocks the other (a block rechecks the room).
func (s *Server) conversationAccess(ctx context.Context, userID string, _ models.Role, id string) error {
	conv, err := uuid.Parse(id)
	if err != nil {
		return models.ErrNotFound
	}
	user, err := uuid.Parse(userID)
	if err != nil {
		return models.ErrNotFound
	}
	row, err := s.Store.ConversationRow(ctx, conv, user)
	if err != nil {
		return err
	}
	if row.Member.Blocked || row.Blocked {
		return models.Errorf(models.CodeForbidden, "this conversation is blocked")
	}
	return nil
}
