package realtime_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Every spelling uuid.Parse takes reaches the hub as the one canonical
// room, in every frame that names a room and for every kind; anything
// that is not a uuid is refused before the hub sees it.
func TestRoomNamesAreCanonical(t *testing.T) {
	id := uuid.New()
	hex := strings.ReplaceAll(id.String(), "-", "")
	aliases := []string{id.String(), strings.ToUpper(id.String()), "{" + id.String() + "}", "urn:uuid:" + id.String(),
		hex, strings.ToUpper(hex), "{" + strings.ToUpper(id.String()) + "}"}
	for _, kind := range []string{"user", "artist", "conversation", "party", "backstage", "qa", "live"} {
		for _, frame := range []string{"join_room", "leave_room", "typing_start", "party:chat"} {
			for _, alias := range aliases {
				f, err := realtime.DecodeFrame([]byte(`{"type":"` + frame + `","room":"` + kind + ":" + alias + `"}`))
				require.NoError(t, err, alias)
				require.Equal(t, kind+":"+id.String(), f.Room, alias)
			}
		}
	}
	for _, room := range []string{"party:1", "party:" + id.String() + "x", "party: " + id.String(), "party:" + hex[:31], "party:", ":" + id.String()} {
		_, err := realtime.DecodeFrame([]byte(`{"type":"join_room","room":"` + room + `"}`))
		var e *models.Error
		require.ErrorAs(t, err, &e, room)
		require.Equal(t, models.CodeInvalid, e.Code, room)
		require.Equal(t, "room", e.Field, room)
	}
}
