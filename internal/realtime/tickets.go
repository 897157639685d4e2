package realtime

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fanfare/fanfare/models"
)

// TicketTTL is how long a connection ticket stays valid.
const TicketTTL = 30 * time.Second

// Tickets issues single-use connection tickets: the socket URL carries one
// instead of the access token, which would end up in logs and history.
type Tickets interface {
	Issue(ctx context.Context, userID string) (string, error)
	// Redeem returns the ticket's user and spends the ticket.
	Redeem(ctx context.Context, ticket string) (string, error)
}

// ErrBadTicket is an unknown, expired or spent ticket.
var ErrBadTicket = models.Errorf(models.CodeUnauthorized, "invalid, expired or used ticket")

func newTicket() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// MemoryTickets keeps tickets in this process.
type MemoryTickets struct {
	mu      sync.Mutex
	tickets map[string]memTicket
}

type memTicket struct {
	user    string
	expires time.Time
}

// NewMemoryTickets returns an empty ticket store.
func NewMemoryTickets() *MemoryTickets { return &MemoryTickets{tickets: map[string]memTicket{}} }

// Issue implements Tickets.
func (m *MemoryTickets) Issue(_ context.Context, userID string) (string, error) {
	t := newTicket()
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.tickets { // tickets are few and short-lived
		if now.After(v.expires) {
			delete(m.tickets, k)
		}
	}
	m.tickets[t] = memTicket{user: userID, expires: now.Add(TicketTTL)}
	return t, nil
}

// Redeem implements Tickets.
func (m *MemoryTickets) Redeem(_ context.Context, ticket string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.tickets[ticket]
	delete(m.tickets, ticket)
	if !ok || time.Now().After(v.expires) {
		return "", ErrBadTicket
	}
	return v.user, nil
}

// RedisTickets keeps tickets in Redis so any instance can redeem them.
type RedisTickets struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisTickets returns a ticket store in rdb under prefix.
func NewRedisTickets(rdb *redis.Client, prefix string) *RedisTickets {
	return &RedisTickets{rdb: rdb, prefix: prefix}
}

// Issue implements Tickets.
func (r *RedisTickets) Issue(ctx context.Context, userID string) (string, error) {
	t := newTicket()
	return t, r.rdb.Set(ctx, r.prefix+"ticket:"+t, userID, TicketTTL).Err()
}

// Redeem implements Tickets; GETDEL makes a ticket good for one socket only.
func (r *RedisTickets) Redeem(ctx context.Context, ticket string) (string, error) {
	user, err := r.rdb.GetDel(ctx, r.prefix+"ticket:"+ticket).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrBadTicket
	}
	return user, err
}

func strconvMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
