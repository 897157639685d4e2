package realtime

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// ErrFull refuses a seat: the room holds as many counted users as its limit.
var ErrFull = errors.New("realtime: no seat left")

// Seats holds a room's seats across api instances, one per user: a user's
// further sockets share their seat, which comes back when their last
// socket leaves. Room kinds with a capacity take seats in their Join hook
// and give them back in Leave (which the roster calls for every departure,
// an instance's death included).
type Seats interface {
	// Take seats m's user, or adds m to the sockets sharing their seat.
	// A user not seated yet is refused with ErrFull when limit users
	// already count; a negative limit seats them without counting them
	// (a party's hosts). first reports whether the user was not seated.
	Take(ctx context.Context, m Member, limit int) (first bool, err error)
	// Release takes m off its user's seat; last reports whether it was the
	// seat's last socket (the seat is free). A member never seated is none.
	Release(ctx context.Context, m Member) (last bool, err error)
	// Count is how many users are seated in room, counted or not.
	Count(ctx context.Context, room string) (int, error)
}

// MemorySeats is Seats for a single instance.
type MemorySeats struct {
	mu    sync.Mutex
	rooms map[string]*memoryRoom
}

type memoryRoom struct {
	users   map[string]map[string]struct{} // user → their sockets
	counted map[string]struct{}
}

// NewMemorySeats returns empty seats.
func NewMemorySeats() *MemorySeats { return &MemorySeats{rooms: map[string]*memoryRoom{}} }

// Take implements Seats.
func (s *MemorySeats) Take(_ context.Context, m Member, limit int) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[m.Room]
	if r == nil {
		r = &memoryRoom{users: map[string]map[string]struct{}{}, counted: map[string]struct{}{}}
		s.rooms[m.Room] = r
	}
	if conns, ok := r.users[m.UserID]; ok {
		conns[m.ConnID] = struct{}{}
		return false, nil
	}
	if limit >= 0 {
		if len(r.counted) >= limit {
			return false, ErrFull
		}
		r.counted[m.UserID] = struct{}{}
	}
	r.users[m.UserID] = map[string]struct{}{m.ConnID: {}}
	return true, nil
}

// Release implements Seats.
func (s *MemorySeats) Release(_ context.Context, m Member) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[m.Room]
	if r == nil {
		return false, nil
	}
	conns, ok := r.users[m.UserID]
	if _, seated := conns[m.ConnID]; !ok || !seated {
		return false, nil
	}
	delete(conns, m.ConnID)
	if len(conns) > 0 {
		return false, nil
	}
	delete(r.users, m.UserID)
	delete(r.counted, m.UserID)
	if len(r.users) == 0 {
		delete(s.rooms, m.Room)
	}
	return true, nil
}

// Count implements Seats.
func (s *MemorySeats) Count(_ context.Context, room string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rooms[room]; r != nil {
		return len(r.users), nil
	}
	return 0, nil
}

// RedisSeats is Seats shared by every instance: per room a set of seated
// users and one of counted users, and per seated user a set of their
// sockets; Lua scripts change them in one step, so two instances never
// both give the last seat. Sets empty themselves away as seats come back.
type RedisSeats struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisSeats returns seats kept in rdb under prefix.
func NewRedisSeats(rdb *redis.Client, prefix string) *RedisSeats {
	return &RedisSeats{rdb: rdb, prefix: prefix}
}

// keys are the room's seated and counted sets and the user's sockets;
// the {room} hash tag keeps them on one cluster slot.
func (s *RedisSeats) keys(room, userID string) []string {
	base := s.prefix + "seats:{" + room + "}"
	return []string{base, base + ":counted", base + ":user:" + userID}
}

var takeSeatScript = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  redis.call('SADD', KEYS[3], ARGV[2])
  return 0
end
local limit = tonumber(ARGV[3])
if limit >= 0 then
  if redis.call('SCARD', KEYS[2]) >= limit then return -1 end
  redis.call('SADD', KEYS[2], ARGV[1])
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`)

var releaseSeatScript = redis.NewScript(`
if redis.call('SREM', KEYS[3], ARGV[2]) == 0 then return 0 end
if redis.call('SCARD', KEYS[3]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`)

// Take implements Seats.
func (s *RedisSeats) Take(ctx context.Context, m Member, limit int) (bool, error) {
	n, err := takeSeatScript.Run(ctx, s.rdb, s.keys(m.Room, m.UserID), m.UserID, m.ConnID, limit).Int()
	switch {
	case err != nil:
		return false, err
	case n < 0:
		return false, ErrFull
	}
	return n == 1, nil
}

// Release implements Seats.
func (s *RedisSeats) Release(ctx context.Context, m Member) (bool, error) {
	n, err := releaseSeatScript.Run(ctx, s.rdb, s.keys(m.Room, m.UserID), m.UserID, m.ConnID).Int()
	return n == 1, err
}

// Count implements Seats.
func (s *RedisSeats) Count(ctx context.Context, room string) (int, error) {
	n, err := s.rdb.SCard(ctx, s.keys(room, "")[0]).Result()
	return int(n), err
}
