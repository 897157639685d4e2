package realtime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// seats is a room kind whose rooms hold a few seats, as a listening party
// will: Join takes one or refuses, Leave gives it back. Both api instances
// of a test share one, as they would share Redis.
type seats struct {
	capacity int
	mu       sync.Mutex
	held     map[realtime.Member]bool
	closed   map[string]bool // users whose access ended
	left     map[realtime.Member]int
}

func newSeats(capacity int) *seats {
	return &seats{capacity: capacity, held: map[realtime.Member]bool{}, closed: map[string]bool{}, left: map[realtime.Member]int{}}
}

func (s *seats) kind() realtime.Kind {
	return realtime.Kind{
		Access: func(_ context.Context, userID string, _ models.Role, _ string) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed[userID] {
				return models.ErrForbidden
			}
			return nil
		},
		Join: func(_ context.Context, m realtime.Member) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.held) >= s.capacity {
				return models.Errorf(models.CodeConflict, "the room is full")
			}
			s.held[m] = true
			return nil
		},
		Leave: func(_ context.Context, m realtime.Member) {
			s.mu.Lock()
			defer s.mu.Unlock()
			delete(s.held, m)
			s.left[m]++
		},
	}
}

// holders returns the users holding a seat.
func (s *seats) holders() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for m := range s.held {
		out[m.UserID] = true
	}
	return out
}

func (s *seats) leavesOf(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for m, k := range s.left {
		if m.UserID == userID {
			n += k
		}
	}
	return n
}

// A room kind with join and leave hooks holds seats: a full room refuses,
// and a seat comes back when its socket leaves, is taken out by a recheck,
// closes, or when its api instance stops refreshing it (here: it loses
// Redis) — then another instance's sweep gives it back, once.
func TestJoinAndLeaveHooksHoldSeats(t *testing.T) {
	fast := testenv.WithConfig(func(c *config.Config) { c.WSPingInterval, c.WSPongTimeout = 200*time.Millisecond, time.Second })
	one, two, proxy := testenv.StartMortalPair(t, fast)
	stage := newSeats(2)
	for _, app := range []*testenv.App{one, two} {
		app.Platform.Hub.RoomKind("stage", stage.kind())
		// A feature's own frame puts its socket in a room through Conn.Join.
		app.Platform.Hub.Handle("stage:enter", realtime.RateRooms, func(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
			return nil, c.Join(ctx, f.Room)
		})
	}
	room := "stage:" + uuid.NewString()
	users := map[string]testenv.Session{}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		users[name] = one.Register(t, "fan", name)
	}
	id := func(name string) string { return users[name].User.ID }
	dial := func(app *testenv.App, name string) *testenv.WS { return app.Dial(t, users[name].AccessToken) }
	joins := func(ws *testenv.WS, frame string) map[string]any { return ws.Request(frame, room, nil) }

	a, b := dial(one, "a"), dial(two, "b")
	require.Equal(t, true, joins(a, "join_room")["ok"])
	require.Equal(t, true, joins(b, "stage:enter")["ok"], "a feature's frame joins through the hooks")
	require.Equal(t, map[string]bool{id("a"): true, id("b"): true}, stage.holders())

	c := dial(one, "c")
	full := joins(c, "join_room")
	require.Equal(t, false, full["ok"])
	require.Equal(t, "conflict", testenv.ErrorCode(full))
	require.Equal(t, false, joins(c, "stage:enter")["ok"])

	t.Run("leave_room gives the seat back", func(t *testing.T) {
		require.Equal(t, true, a.Request("leave_room", room, nil)["ok"])
		require.Equal(t, 1, stage.leavesOf(id("a")))
		require.Equal(t, true, joins(c, "join_room")["ok"])
	})

	t.Run("closing the socket gives the seat back", func(t *testing.T) {
		require.NoError(t, c.Conn.Close())
		require.Eventually(t, func() bool { return !stage.holders()[id("c")] }, 5*time.Second, 10*time.Millisecond)
		require.Equal(t, true, joins(dial(one, "d"), "join_room")["ok"])
	})

	t.Run("a recheck that takes the socket out gives the seat back", func(t *testing.T) {
		stage.mu.Lock()
		stage.closed[id("d")] = true
		stage.mu.Unlock()
		require.NoError(t, one.Platform.Hub.Recheck(context.Background(), room, id("d"), realtime.ReasonMembershipChanged))
		require.Eventually(t, func() bool { return !stage.holders()[id("d")] }, 5*time.Second, 10*time.Millisecond)
		require.Equal(t, 1, stage.leavesOf(id("d")))
		require.Equal(t, true, joins(dial(one, "e"), "join_room")["ok"])
	})

	t.Run("an instance that stops refreshing loses its seats to another's sweep, once", func(t *testing.T) {
		proxy.Down() // instance two can no longer reach Redis: as good as dead to the others
		require.Eventually(t, func() bool { return !stage.holders()[id("b")] }, 10*time.Second, 20*time.Millisecond)
		require.Equal(t, true, joins(dial(one, "f"), "join_room")["ok"])

		proxy.Up() // back: its socket's own leave finds the seat already given back
		require.NoError(t, b.Conn.Close())
		require.Eventually(t, func() bool {
			online, err := one.Platform.Hub.Presence(context.Background(), []string{id("b")})
			return err == nil && !online[id("b")]
		}, 10*time.Second, 20*time.Millisecond, "instance two cleaned the socket up")
		require.Equal(t, 1, stage.leavesOf(id("b")))
	})
}

// A room kind or frame type registered twice (two features claiming one
// name), or a built-in frame type, is refused at start.
func TestRegistrationsAreUnique(t *testing.T) {
	hub := realtime.NewHub(nil, "", realtime.Options{MaxConnsPerUser: 1, MaxRoomsPerConn: 1, SendQueue: 1}, prometheus.NewRegistry(), testenv.Log())
	t.Cleanup(func() { hub.Close() })
	noop := func(context.Context, *realtime.Conn, realtime.Frame) (any, error) { return nil, nil }
	hub.RoomKind("stage", realtime.Kind{})
	hub.Handle("stage:enter", realtime.RateRooms, noop)
	for name, register := range map[string]func(){
		"a kind twice":        func() { hub.RoomKind("stage", realtime.Kind{}) },
		"the user kind":       func() { hub.RoomKind("user", realtime.Kind{}) },
		"a kind with a colon": func() { hub.RoomKind("a:b", realtime.Kind{}) },
		"a frame type twice":  func() { hub.Handle("stage:enter", realtime.RateRooms, noop) },
		"a built-in frame":    func() { hub.Handle("join_room", realtime.RateRooms, noop) },
	} {
		require.Panics(t, register, name)
	}
}
