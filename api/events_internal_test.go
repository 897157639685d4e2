package api

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
)

// The typed events put on the wire the very bytes of the maps they
// replaced (encoding/json sorts map keys; struct fields keep their order).
func TestEventPayloadsKeepTheirBytes(t *testing.T) {
	for name, tc := range map[string]struct{ typed, before any }{
		"message:deleted": {
			eventMessageDeleted.Of(messageDeleted{ID: "m", ConversationID: "c"}).Data,
			map[string]string{"id": "m", "conversation_id": "c"},
		},
		"message:reaction": {
			eventMessageReaction.Of(messageReaction{MessageID: "m", UserID: "u", Emoji: "👍", Added: true}).Data,
			map[string]any{"message_id": "m", "user_id": "u", "emoji": "👍", "added": true},
		},
		"message:read": {
			eventMessageRead.Of(messageRead{ConversationID: "c", UserID: "u", MessageID: "m"}).Data,
			map[string]string{"conversation_id": "c", "user_id": "u", "message_id": "m"},
		},
		"presence": {
			realtime.EventPresence.Of(realtime.PresenceChange{UserID: "u", Status: "online"}).Data,
			map[string]string{"user_id": "u", "status": "online"},
		},
		"presence count": {realtime.EventCount.Of(realtime.CrowdCount{Count: 3}).Data, map[string]int{"count": 3}},
		"typing_start":   {realtime.EventTypingStart.Of(realtime.Typing{UserID: "u"}).Data, map[string]string{"user_id": "u"}},
	} {
		t.Run(name, func(t *testing.T) {
			typed, err := json.Marshal(tc.typed)
			require.NoError(t, err)
			before, err := json.Marshal(tc.before)
			require.NoError(t, err)
			require.Equal(t, string(before), string(typed))
		})
	}
}
