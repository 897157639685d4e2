package ratelimit

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Limiter shared by every api instance. Each decision is one
// script, so it is atomic across instances and costs one round trip.
type Redis struct {
	rdb    *redis.Client
	prefix string
	now    func() time.Time
}

// NewRedis returns a Limiter keeping its counters in rdb under prefix, on
// the clock now (nil: time.Now).
func NewRedis(rdb *redis.Client, prefix string, now func() time.Time) *Redis {
	if now == nil {
		now = time.Now
	}
	return &Redis{rdb: rdb, prefix: prefix, now: now}
}

// allowScript counts one request of a window; KEYS[1] is the window's
// counter, ARGV[1] its life in ms.
var allowScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// Allow implements Limiter. The window's number is part of the key, so the
// counter's expiry only collects garbage: instances agree on windows by
// their clocks.
func (r *Redis) Allow(ctx context.Context, key string, max int, window time.Duration) (Decision, error) {
	now := r.now()
	n, end := windowOf(now, window)
	life := end.Sub(now) + window // outlives the window on a clock a little behind
	count, err := allowScript.Run(ctx, r.rdb, []string{r.prefix + key + ":" + strconv.FormatInt(n, 10)}, life.Milliseconds()).Int()
	if err != nil {
		return Decision{}, err
	}
	if count > max {
		return Decision{RetryAfter: end.Sub(now)}, nil
	}
	return Decision{Allowed: true}, nil
}

// attemptScript is Memory.Attempt in Lua (times in unix ms). KEYS[1] is a
// hash of the key's failures, the time before which no attempt is allowed
// and the time its failures are forgotten; ARGV are now and the Backoff.
// It answers 0 when the attempt is allowed, else the ms to wait.
var attemptScript = redis.NewScript(`
local now, after, base, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'failures', 'until', 'forget')
local failures, untl = 0, 0
if s[3] and now < tonumber(s[3]) then
  failures, untl = tonumber(s[1]), tonumber(s[2])
end
if now < untl then return untl - now end
failures = failures + 1
local wait = 0
if failures >= after then wait = math.min(base * 2 ^ math.min(failures - after, ` + strconv.Itoa(maxDoublings) + `), max) end
untl = now + wait
redis.call('HSET', KEYS[1], 'failures', failures, 'until', untl, 'forget', untl + max)
redis.call('PEXPIRE', KEYS[1], wait + max)
return 0`)

// Attempt implements Limiter.
func (r *Redis) Attempt(ctx context.Context, key string, b Backoff) (Decision, error) {
	wait, err := attemptScript.Run(ctx, r.rdb, []string{r.prefix + key},
		r.now().UnixMilli(), b.After, b.Base.Milliseconds(), b.Max.Milliseconds()).Int64()
	if err != nil || wait == 0 {
		return Decision{Allowed: err == nil}, err
	}
	return Decision{RetryAfter: time.Duration(wait) * time.Millisecond}, nil
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	return r.rdb.Del(ctx, r.prefix+key).Err()
}
