package realtime_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// A join whose access check passed just before access ended, and whose
// membership lands after the recheck ran, is refused all the same.
func TestARecheckDuringAJoinIsNotMissed(t *testing.T) {
	app := testenv.StartApp(t)
	present, late := app.Register(t, "fan", "Present"), app.Register(t, "fan", "Late")
	var allowed, hold atomic.Bool
	allowed.Store(true)
	checking, release := make(chan struct{}), make(chan struct{})
	app.Platform.Hub.RoomKind("gate", realtime.Kind{Access: func(_ context.Context, userID string, _ models.Role, _ string) error {
		ok := allowed.Load()
		if userID == late.User.ID && hold.CompareAndSwap(true, false) {
			checking <- struct{}{} // decided while access was still open
			<-release
		}
		if !ok {
			return models.ErrForbidden
		}
		return nil
	}})
	room := "gate:" + uuid.NewString()
	in := app.Dial(t, present.AccessToken)
	require.Equal(t, true, in.Request("join_room", room, nil)["ok"])

	joining := app.Dial(t, late.AccessToken)
	hold.Store(true)
	joining.Send(map[string]any{"type": "join_room", "id": "late", "room": room})
	<-checking
	allowed.Store(false)
	require.NoError(t, app.Platform.Hub.Recheck(context.Background(), room, "", "test"))
	in.Next(func(f map[string]any) bool { return f["type"] == "room_left" && f["room"] == room }) // the recheck ran
	close(release)

	ack := joining.Next(func(f map[string]any) bool { return f["type"] == "ack" && f["id"] == "late" })
	require.Equal(t, false, ack["ok"])
	require.Equal(t, "forbidden", testenv.ErrorCode(ack))
}
