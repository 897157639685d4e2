package realtime

import (
	"context"
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
	// Refresh keeps the given connections alive (userID → connIDs).
	Refresh(ctx context.Context, conns map[string][]string) error
	// Online reports which of the users have a live connection.
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// ErrTooManyConnections refuses a connection over the per-user cap.
var ErrTooManyConnections = models.Errorf(models.CodeRateLimited, "too many open connections")

// presenceTTL outlives two missed refreshes (refreshes run every PingInterval).
const presenceTTL = 2*PingInterval + 10*time.Second

// MemoryPresence is Presence for a single node.
type MemoryPresence struct {
	mu    sync.Mutex
	users map[string]map[string]time.Time // user → conn → expiry
}

// NewMemoryPresence returns an empty presence table.
func NewMemoryPresence() *MemoryPresence {
	return &MemoryPresence{users: map[string]map[string]time.Time{}}
}

func (p *MemoryPresence) live(userID string, now time.Time) map[string]time.Time {
	conns := p.users[userID]
	for id, exp := range conns {
		if now.After(exp) {
			delete(conns, id)
		}
	}
	return conns
}

// Connect implements Presence.
func (p *MemoryPresence) Connect(_ context.Context, userID, connID string, limit int) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	conns := p.live(userID, now)
	if len(conns) >= limit {
		return false, ErrTooManyConnections
	}
	if conns == nil {
		conns = map[string]time.Time{}
		p.users[userID] = conns
	}
	conns[connID] = now.Add(presenceTTL)
	return len(conns) == 1, nil
}

// Disconnect implements Presence.
func (p *MemoryPresence) Disconnect(_ context.Context, userID, connID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	conns := p.live(userID, time.Now())
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
func (p *MemoryPresence) Refresh(_ context.Context, conns map[string][]string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	exp := time.Now().Add(presenceTTL)
	for user, ids := range conns {
		for _, id := range ids {
			if c := p.users[user]; c != nil {
				c[id] = exp
			}
		}
	}
	return nil
}

// Online implements Presence.
func (p *MemoryPresence) Online(_ context.Context, userIDs []string) (map[string]bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	out := make(map[string]bool, len(userIDs))
	for _, u := range userIDs {
		out[u] = len(p.live(u, now)) > 0
	}
	return out, nil
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
func (p *RedisPresence) Refresh(ctx context.Context, conns map[string][]string) error {
	exp := time.Now().Add(presenceTTL)
	_, err := p.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for user, ids := range conns {
			for _, id := range ids {
				pl.ZAddXX(ctx, p.key(user), redis.Z{Score: float64(exp.UnixMilli()), Member: id})
			}
			pl.PExpireAt(ctx, p.key(user), exp)
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
