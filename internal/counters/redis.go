package counters

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is Counters shared by every api instance. Each operation is one
// round trip, and a script where it reads and writes, so it is atomic
// across instances.
type Redis struct {
	rdb    *redis.Client
	prefix string
}

// NewRedis returns counters kept in rdb under prefix. Expiry is Redis's
// own clock; the watermark compares the times callers pass.
func NewRedis(rdb *redis.Client, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// Keys: a user's watermark and seen ids share the {user} hash tag, so a
// batch's keys sit on one cluster slot. An artist's live counts are a hash;
// the artists pending a Take are one set beside them, which the Add and
// Take scripts touch with the hash (one Redis, as everywhere in the
// project, not a cluster).
func (r *Redis) markKey(user string) string     { return r.prefix + "mark:{" + user + "}" }
func (r *Redis) seenKey(user, id string) string { return r.prefix + "seen:{" + user + "}:" + id }
func (r *Redis) liveKey(artist string) string   { return r.prefix + "live:{" + artist + "}" }
func (r *Redis) activeKey() string              { return r.prefix + "live:active" }

// creditScript is credit (counters.go) in Lua. KEYS[1] is the watermark
// (unix seconds); ARGV are at (unix seconds), the claimed seconds and the
// watermark's life in seconds. It answers the seconds credited.
var creditScript = redis.NewScript(`
local at, secs = tonumber(ARGV[1]), tonumber(ARGV[2])
local w = tonumber(redis.call('GET', KEYS[1]))
local from = at - secs
if w and w > from then from = w end
local credited = at - from
if credited < 0 then credited = 0 end
local next = at
if w and w > at then next = w end
redis.call('SET', KEYS[1], string.format('%d', next), 'EX', ARGV[3])
return credited`)

// Credit implements Counters.
func (r *Redis) Credit(ctx context.Context, user string, at time.Time, seconds int64) (int64, error) {
	if ok, err := claimed(seconds); !ok {
		return 0, err
	}
	return creditScript.Run(ctx, r.rdb, []string{r.markKey(user)},
		at.Unix(), seconds, int64(WatermarkKeep/time.Second)).Int64()
}

// firstSeenScript sets each of KEYS unless it exists (SET NX), with the
// life ARGV[1] in ms, and answers 1 for each it set: a key repeated in the
// batch is set by its first occurrence only. A script rather than a
// pipeline, so the batch is one round trip and one step.
var firstSeenScript = redis.NewScript(`
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, '1', 'NX', 'PX', ARGV[1]) then out[i] = 1 else out[i] = 0 end
end
return out`)

// FirstSeen implements Counters.
func (r *Redis) FirstSeen(ctx context.Context, user string, ids []string, ttl time.Duration) ([]bool, error) {
	if err := checkBatch(ids, ttl); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []bool{}, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.seenKey(user, id)
	}
	set, err := firstSeenScript.Run(ctx, r.rdb, keys, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return nil, err
	}
	if len(set) != len(ids) {
		return nil, fmt.Errorf("counters: %d answers for %d ids", len(set), len(ids))
	}
	out := make([]bool, len(ids))
	for i, n := range set {
		out[i] = n == 1
	}
	return out, nil
}

// addScript adds to the artist's live counts and lists the artist as
// pending. KEYS are the counts' hash and the pending set; ARGV the artist,
// the life in ms of both keys (renewed by every Add), then name, count
// pairs. HINCRBY takes the counts as the strings Go sent: exact int64s.
var addScript = redis.NewScript(`
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`)

// Add implements Counters.
func (r *Redis) Add(ctx context.Context, artist string, counts map[string]int64) error {
	args := []any{artist, LiveKeep.Milliseconds()}
	for name, n := range counts {
		if n != 0 {
			args = append(args, name, strconv.FormatInt(n, 10))
		}
	}
	if len(args) == 2 {
		return nil
	}
	return addScript.Run(ctx, r.rdb, []string{r.liveKey(artist), r.activeKey()}, args...).Err()
}

// takeScript reads and deletes the artist's live counts in one step, so
// an increment is in exactly one Take's answer, and takes the artist off
// the pending set first: an Add that comes between lists them again.
var takeScript = redis.NewScript(`
redis.call('SREM', KEYS[2], ARGV[1])
local counts = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return counts`)

// Take implements Counters.
func (r *Redis) Take(ctx context.Context, artist string) (map[string]int64, error) {
	flat, err := takeScript.Run(ctx, r.rdb, []string{r.liveKey(artist), r.activeKey()}, artist).StringSlice()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		n, err := strconv.ParseInt(flat[i+1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("counters: live count %s of %s: %w", flat[i], artist, err)
		}
		if n != 0 {
			out[flat[i]] = n
		}
	}
	return out, nil
}

// Active implements Counters.
func (r *Redis) Active(ctx context.Context) ([]string, error) {
	artists, err := r.rdb.SMembers(ctx, r.activeKey()).Result()
	if err != nil {
		return nil, err
	}
	slices.Sort(artists)
	return artists, nil
}
