package realtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fanfare/fanfare/models"
)

// Presence tracks each user's live connections across api instances. A
// connection counts while its instance refreshes it; one whose instance died
// drops out after presenceTTL.
type Presence interface {
	// Connect adds a connection; first tells whether the user just came
	// online. More than limit live connections is ErrTooManyConnections.
	Connect(ctx context.Context, userID, connID string, limit int) (first bool, err error)
	// Disconnect removes a connection; last tells whether the user went offline.
	Disconnect(ctx context.Context, userID, connID string) (last bool, err error)
	// Refresh keeps the given connections alive: users' (userID → connIDs)
	// and those in crowd rooms (room → connIDs).
	Refresh(ctx context.Context, users, rooms map[string][]string) error
	// Online reports which of the users have a live connection.
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)

	// Enter and Leave add and remove a connection of a crowd room; Count
	// says how many live connections the room has across instances.
	Enter(ctx context.Context, room, connID string) error
	Leave(ctx context.Context, room, connID string) error
	Count(ctx context.Context, room string) (int, error)
	// Claim reports whether the caller may announce room's count now: it
	// is true for one caller per interval, across instances.
	Claim(ctx context.Context, room string, interval time.Duration) (bool, error)
}

// ErrTooManyConnections refuses a connection over the per-user cap.
var ErrTooManyConnections = models.Errorf(models.CodeRateLimited, "too many open connections")

// presenceTTL outlives two missed refreshes (refreshes run every ping
// interval, which is at most PingInterval).
const presenceTTL = 2*PingInterval + 10*time.Second

// MemoryPresence is Presence for a single node.
type MemoryPresence struct {
	mu     sync.Mutex
	users  connSets // user → conn → expiry
	rooms  connSets // crowd room → conn → expiry
	claims map[string]time.Time
}

// connSets are sets of connections by user or room, each with its expiry.
type connSets map[string]map[string]time.Time

// NewMemoryPresence returns an empty presence table.
func NewMemoryPresence() *MemoryPresence {
	return &MemoryPresence{users: connSets{}, rooms: connSets{}, claims: map[string]time.Time{}}
}

// live returns the set's unexpired connections.
func (s connSets) live(key string, now time.Time) map[string]time.Time {
	conns := s[key]
	for id, exp := range conns {
		if now.After(exp) {
			delete(conns, id)
		}
	}
	if len(conns) == 0 {
		delete(s, key)
	}
	return conns
}

func (s connSets) add(key, connID string, exp time.Time) {
	if s[key] == nil {
		s[key] = map[string]time.Time{}
	}
	s[key][connID] = exp
}

func (s connSets) refresh(conns map[string][]string, exp time.Time) {
	for key, ids := range conns {
		for _, id := range ids {
			if c := s[key]; c != nil {
				c[id] = exp
			}
		}
	}
}

// Connect implements Presence.
func (p *MemoryPresence) Connect(_ context.Context, userID, connID string, limit int) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	n := len(p.users.live(userID, now))
	if n >= limit {
		return false, ErrTooManyConnections
	}
	p.users.add(userID, connID, now.Add(presenceTTL))
	return n == 0, nil
}

// Disconnect implements Presence.
func (p *MemoryPresence) Disconnect(_ context.Context, userID, connID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	conns := p.users.live(userID, time.Now())
	if _, ok := conns[connID]; !ok {
		return false, nil
	}
	delete(conns, connID)
	if len(conns) == 0 {
		delete(p.users, userID)
		return true, nil
	}
	return false, nil
}

// Refresh implements Presence.
func (p *MemoryPresence) Refresh(_ context.Context, users, rooms map[string][]string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	exp := time.Now().Add(presenceTTL)
	p.users.refresh(users, exp)
	p.rooms.refresh(rooms, exp)
	return nil
}

// Online implements Presence.
func (p *MemoryPresence) Online(_ context.Context, userIDs []string) (map[string]bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	out := make(map[string]bool, len(userIDs))
	for _, u := range userIDs {
		out[u] = len(p.users.live(u, now)) > 0
	}
	return out, nil
}

// Enter implements Presence.
func (p *MemoryPresence) Enter(_ context.Context, room, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rooms.add(room, connID, time.Now().Add(presenceTTL))
	return nil
}

// Leave implements Presence.
func (p *MemoryPresence) Leave(_ context.Context, room, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.rooms[room], connID)
	p.rooms.live(room, time.Now()) // forgets an empty room
	return nil
}

// Count implements Presence.
func (p *MemoryPresence) Count(_ context.Context, room string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rooms.live(room, time.Now())), nil
}

// Claim implements Presence.
func (p *MemoryPresence) Claim(_ context.Context, room string, interval time.Duration) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Before(p.claims[room]) {
		return false, nil
	}
	for r, until := range p.claims { // a few rooms at most: those claimed within the interval
		if now.After(until) {
			delete(p.claims, r)
		}
	}
	p.claims[room] = now.Add(interval)
	return true, nil
}

// RedisPresence is Presence shared by every instance: one sorted set per
// user, connection ids scored by their expiry.
type RedisPresence struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisPresence returns presence kept in rdb under prefix.
func NewRedisPresence(rdb *redis.Client, prefix string) *RedisPresence {
	return &RedisPresence{rdb: rdb, prefix: prefix}
}

func (p *RedisPresence) key(userID string) string { return p.prefix + "presence:" + userID }

// The room name sits in a hash tag, as the broker's keys of the room do.
func (p *RedisPresence) roomKey(room string) string  { return p.prefix + "crowd:{" + room + "}" }
func (p *RedisPresence) claimKey(room string) string { return p.prefix + "crowd:{" + room + "}:claim" }

var connectScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return n + 1
`)

var disconnectScript = redis.NewScript(`
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if removed == 0 then return -1 end
return redis.call('ZCARD', KEYS[1])
`)

// Connect implements Presence.
func (p *RedisPresence) Connect(ctx context.Context, userID, connID string, limit int) (bool, error) {
	now := time.Now()
	n, err := connectScript.Run(ctx, p.rdb, []string{p.key(userID)},
		now.UnixMilli(), now.Add(presenceTTL).UnixMilli(), connID, limit).Int()
	if err != nil {
		return false, err
	}
	if n < 0 {
		return false, ErrTooManyConnections
	}
	return n == 1, nil
}

// Disconnect implements Presence.
func (p *RedisPresence) Disconnect(ctx context.Context, userID, connID string) (bool, error) {
	n, err := disconnectScript.Run(ctx, p.rdb, []string{p.key(userID)}, time.Now().UnixMilli(), connID).Int()
	return n == 0, err
}

// Refresh implements Presence.
func (p *RedisPresence) Refresh(ctx context.Context, users, rooms map[string][]string) error {
	exp := time.Now().Add(presenceTTL)
	_, err := p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		refresh := func(key string, ids []string) {
			for _, id := range ids {
				pl.ZAddXX(ctx, key, redis.Z{Score: float64(exp.UnixMilli()), Member: id})
			}
			pl.PExpireAt(ctx, key, exp)
		}
		for user, ids := range users {
			refresh(p.key(user), ids)
		}
		for room, ids := range rooms {
			refresh(p.roomKey(room), ids)
		}
		return nil
	})
	return err
}

// Online implements Presence.
func (p *RedisPresence) Online(ctx context.Context, userIDs []string) (map[string]bool, error) {
	now := strconvMillis(time.Now())
	cmds := make([]*redis.IntCmd, len(userIDs))
	_, err := p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, u := range userIDs {
			cmds[i] = pl.ZCount(ctx, p.key(u), now, "+inf")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(userIDs))
	for i, u := range userIDs {
		out[u] = cmds[i].Val() > 0
	}
	return out, nil
}

// Enter implements Presence.
func (p *RedisPresence) Enter(ctx context.Context, room, connID string) error {
	exp := time.Now().Add(presenceTTL)
	_, err := p.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.ZAdd(ctx, p.roomKey(room), redis.Z{Score: float64(exp.UnixMilli()), Member: connID})
		pl.PExpireAt(ctx, p.roomKey(room), exp)
		return nil
	})
	return err
}

// Leave implements Presence.
func (p *RedisPresence) Leave(ctx context.Context, room, connID string) error {
	return p.rdb.ZRem(ctx, p.roomKey(room), connID).Err()
}

// Count implements Presence.
func (p *RedisPresence) Count(ctx context.Context, room string) (int, error) {
	n, err := p.rdb.ZCount(ctx, p.roomKey(room), strconvMillis(time.Now()), "+inf").Result()
	return int(n), err
}

// Claim implements Presence.
func (p *RedisPresence) Claim(ctx context.Context, room string, interval time.Duration) (bool, error) {
	err := p.rdb.SetArgs(ctx, p.claimKey(room), 1, redis.SetArgs{Mode: "NX", TTL: interval}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}
