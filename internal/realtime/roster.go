package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Member is one socket in one room, as join and leave hooks see it.
type Member struct {
	Room   string `json:"room"` // kind:id
	ConnID string `json:"conn"`
	UserID string `json:"user"`
}

// RoomID is the id part of the member's room (what Access is given).
func (m Member) RoomID() string {
	_, id, _ := splitRoom(m.Room)
	return id
}

// Roster records, across api instances, the members of the rooms whose
// kind has join or leave hooks, so that the hooks hear of every departure:
// a member whose instance stopped refreshing it (it died, or lost Redis)
// is handed to another instance's leave hook once its entry expires.
type Roster interface {
	// Add records m until the roster's TTL passes without a Refresh.
	Add(ctx context.Context, m Member) error
	// Remove forgets m and reports whether it was there: of the instance
	// that saw m leave and the one that found it expired, one gets true.
	Remove(ctx context.Context, m Member) (bool, error)
	// Refresh keeps members alive; members already removed stay removed.
	Refresh(ctx context.Context, members []Member) error
	// Expired removes and returns up to limit members of the room kind
	// whose entries expired; each is returned to one caller only.
	Expired(ctx context.Context, kind string, limit int) ([]Member, error)
}

// rosterTTL lets one refresh (every ping interval) be missed before the
// members of an instance count as gone.
func rosterTTL(o Options) time.Duration { return 2*o.PingInterval + o.PongTimeout }

// MemoryRoster is Roster for a single instance.
type MemoryRoster struct {
	ttl   time.Duration
	mu    sync.Mutex
	kinds map[string]map[Member]time.Time // kind → member → expiry
}

// NewMemoryRoster returns an empty roster whose entries live for ttl.
func NewMemoryRoster(ttl time.Duration) *MemoryRoster {
	return &MemoryRoster{ttl: ttl, kinds: map[string]map[Member]time.Time{}}
}

func kindOf(m Member) string {
	kind, _, _ := splitRoom(m.Room)
	return kind
}

// Add implements Roster.
func (r *MemoryRoster) Add(_ context.Context, m Member) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := kindOf(m)
	if r.kinds[k] == nil {
		r.kinds[k] = map[Member]time.Time{}
	}
	r.kinds[k][m] = time.Now().Add(r.ttl)
	return nil
}

// Remove implements Roster.
func (r *MemoryRoster) Remove(_ context.Context, m Member) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	members := r.kinds[kindOf(m)]
	_, ok := members[m]
	delete(members, m)
	return ok, nil
}

// Refresh implements Roster.
func (r *MemoryRoster) Refresh(_ context.Context, members []Member) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	exp := time.Now().Add(r.ttl)
	for _, m := range members {
		if set := r.kinds[kindOf(m)]; set != nil {
			if _, ok := set[m]; ok {
				set[m] = exp
			}
		}
	}
	return nil
}

// Expired implements Roster.
func (r *MemoryRoster) Expired(_ context.Context, kind string, limit int) ([]Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	var out []Member
	for m, exp := range r.kinds[kind] {
		if len(out) == limit {
			break
		}
		if now.After(exp) {
			out = append(out, m)
			delete(r.kinds[kind], m)
		}
	}
	return out, nil
}

// RedisRoster is Roster shared by every instance: a sorted set per room
// kind of members (as JSON) scored by their expiry. The set itself never
// expires: a member leaves it only through Remove or Expired, so its
// leave hook is always run.
type RedisRoster struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
}

// NewRedisRoster returns a roster kept in rdb under prefix whose entries
// live for ttl.
func NewRedisRoster(rdb *redis.Client, prefix string, ttl time.Duration) *RedisRoster {
	return &RedisRoster{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (r *RedisRoster) key(kind string) string { return r.prefix + "roster:" + kind }

func (r *RedisRoster) entry(m Member) (key, member string) {
	b, _ := json.Marshal(m) // strings only: cannot fail
	return r.key(kindOf(m)), string(b)
}

func (r *RedisRoster) expiry() float64 { return float64(time.Now().Add(r.ttl).UnixMilli()) }

// Add implements Roster.
func (r *RedisRoster) Add(ctx context.Context, m Member) error {
	key, member := r.entry(m)
	return r.rdb.ZAdd(ctx, key, redis.Z{Score: r.expiry(), Member: member}).Err()
}

// Remove implements Roster.
func (r *RedisRoster) Remove(ctx context.Context, m Member) (bool, error) {
	key, member := r.entry(m)
	n, err := r.rdb.ZRem(ctx, key, member).Result()
	return n > 0, err
}

// Refresh implements Roster.
func (r *RedisRoster) Refresh(ctx context.Context, members []Member) error {
	if len(members) == 0 {
		return nil
	}
	exp := r.expiry()
	_, err := r.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, m := range members {
			key, member := r.entry(m)
			pl.ZAddXX(ctx, key, redis.Z{Score: exp, Member: member})
		}
		return nil
	})
	return err
}

// expiredScript pops the expired members in one step, so two instances
// sweeping at once never both get one.
var expiredScript = redis.NewScript(`
local m = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #m > 0 then redis.call('ZREM', KEYS[1], unpack(m)) end
return m
`)

// Expired implements Roster.
func (r *RedisRoster) Expired(ctx context.Context, kind string, limit int) ([]Member, error) {
	raw, err := expiredScript.Run(ctx, r.rdb, []string{r.key(kind)}, time.Now().UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(raw))
	for _, s := range raw {
		var m Member
		if json.Unmarshal([]byte(s), &m) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}
