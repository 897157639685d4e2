package partysync

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Cache holds each party's latest playback.
type Cache interface {
	// Offer keeps pb as the party's latest when its version is higher
	// than the one kept, atomically, and reports whether it was.
	Offer(ctx context.Context, partyID uuid.UUID, pb models.PartyPlayback) (bool, error)
	// Latest is the playback kept for the party; ok is false when none is.
	Latest(ctx context.Context, partyID uuid.UUID) (pb models.PartyPlayback, ok bool, err error)
}

// Syncer publishes playback changes into party rooms: the api after a
// host's control, the party's activity after a timer-driven change. Both
// offer the change, so one published by either is not published again.
type Syncer struct {
	Cache Cache
	Rooms realtime.Publisher
}

// Publish sends pb into the party's room when it is newer than the last
// one published. Publishers racing may deliver two newer changes out of
// order; clients keep the highest version they saw.
func (s Syncer) Publish(ctx context.Context, partyID uuid.UUID, pb models.PartyPlayback) error {
	newer, err := s.Cache.Offer(ctx, partyID, pb)
	if err != nil || !newer {
		return err
	}
	// Ephemeral: the state replaces itself, so history would only push
	// out events a reconnecting client can still recover.
	return s.Rooms.Ephemeral(ctx, realtime.PartyRoom(partyID.String()), realtime.EventPartySync.Of(pb))
}

// NewCache returns the cache on Redis when rdb is set (every instance
// shares it), else in memory.
func NewCache(rdb *redis.Client, prefix string) Cache {
	if rdb != nil {
		return &RedisCache{rdb: rdb, prefix: prefix}
	}
	return &MemoryCache{latest: map[uuid.UUID]models.PartyPlayback{}}
}

// MemoryCache is Cache for a single process (api and worker together).
type MemoryCache struct {
	mu     sync.Mutex
	latest map[uuid.UUID]models.PartyPlayback
}

func (m *MemoryCache) Offer(_ context.Context, partyID uuid.UUID, pb models.PartyPlayback) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.latest[partyID]; ok && cur.Version >= pb.Version {
		return false, nil
	}
	m.latest[partyID] = pb
	return true, nil
}

func (m *MemoryCache) Latest(_ context.Context, partyID uuid.UUID) (models.PartyPlayback, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pb, ok := m.latest[partyID]
	return pb, ok, nil
}

// RedisCache is Cache shared by every api instance and worker.
type RedisCache struct {
	rdb    *redis.Client
	prefix string
}

// ttl outlives the longest party (its maximum length plus the grace).
const ttl = 24 * time.Hour

// offerScript keeps ARGV[2] under KEYS[1] when its version ARGV[1] is
// higher than the kept one.
var offerScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'pb', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

func (r *RedisCache) key(partyID uuid.UUID) string {
	return r.prefix + "party:{" + partyID.String() + "}:sync"
}

func (r *RedisCache) Offer(ctx context.Context, partyID uuid.UUID, pb models.PartyPlayback) (bool, error) {
	b, err := json.Marshal(pb)
	if err != nil {
		return false, err
	}
	n, err := offerScript.Run(ctx, r.rdb, []string{r.key(partyID)}, pb.Version, b, ttl.Milliseconds()).Int()
	return n == 1, err
}

func (r *RedisCache) Latest(ctx context.Context, partyID uuid.UUID) (models.PartyPlayback, bool, error) {
	var pb models.PartyPlayback
	b, err := r.rdb.HGet(ctx, r.key(partyID), "pb").Bytes()
	if errors.Is(err, redis.Nil) {
		return pb, false, nil
	}
	if err != nil {
		return pb, false, err
	}
	return pb, true, json.Unmarshal(b, &pb)
}
