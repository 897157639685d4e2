package notify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Notification is what a feature asks to send.
type Notification struct {
	UserID   uuid.UUID
	Category string          // a key of models.Categories
	GroupKey string          // notifications with one key are grouped and digested together; default: the category
	Priority models.Priority // default: the category's
	Title    string
	Body     string
	Data     map[string]any
	TTL      time.Duration // 0: never expires
	// Key, when set, is the sender's idempotency key: the row's id derives
	// from it and At (the time the sender retries with), so a retried send
	// writes and publishes it once.
	Key string
	At  time.Time // with Key: the row's time (default: now)
}

// Limits of a notification's text.
const (
	maxTitle = 200
	maxBody  = 2000
	maxKey   = 200
)

// Row validates x and builds its in-app row, made at now.
func Row(x Notification, now time.Time) (*models.Notification, error) {
	cat, ok := models.Categories[x.Category]
	switch {
	case !ok:
		return nil, models.FieldError("category", "unknown category %q", x.Category)
	case strings.TrimSpace(x.Title) == "" || len(x.Title) > maxTitle:
		return nil, models.FieldError("title", "title is required (at most %d bytes)", maxTitle)
	case len(x.Body) > maxBody:
		return nil, models.FieldError("body", "body must have at most %d bytes", maxBody)
	case len(x.GroupKey) > maxKey:
		return nil, models.FieldError("group_key", "group key must have at most %d bytes", maxKey)
	case x.TTL < 0:
		return nil, models.FieldError("ttl", "ttl must not be negative")
	}
	prio := x.Priority
	if prio == "" {
		prio = cat.Priority
	}
	switch prio {
	case models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent:
	default:
		return nil, models.FieldError("priority", "priority must be low, normal, high or urgent")
	}
	group := x.GroupKey
	if group == "" {
		group = x.Category
	}
	data := x.Data
	if data == nil {
		data = map[string]any{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, models.FieldError("data", "data must be JSON")
	}
	id := models.NewID()
	if x.Key != "" {
		if !x.At.IsZero() {
			now = x.At.UTC()
		}
		id = rowID(uuid.NewSHA1(sendKeys, []byte(x.Key)), now, x.UserID)
	}
	row := &models.Notification{
		ID: id, UserID: x.UserID, Category: cat.Name, GroupKey: group, Priority: prio,
		Title: x.Title, Body: x.Body, Data: string(b), Channels: joinChannels(cat.Channels), CreatedAt: now,
	}
	if x.TTL > 0 {
		exp := now.Add(x.TTL)
		row.ExpiresAt = &exp
	}
	return row, nil
}

// BroadcastRows builds the in-app rows of a page of a broadcast's
// recipients the way Row builds one, each listing the channels it reaches
// its recipient on (channels[i], the category's that they want). A row's
// id derives from the broadcast and the recipient, so a retried page
// writes no second row.
func BroadcastRows(b models.Broadcast, users []uuid.UUID, channels [][]models.Channel) ([]models.Notification, error) {
	bid, err := uuid.Parse(b.ID)
	if err != nil {
		return nil, err
	}
	one, err := Row(Notification{Category: b.Category, GroupKey: b.GroupKey, Title: b.Title, Body: b.Body,
		Data: map[string]any{"broadcast_id": b.ID}, TTL: b.TTL}, b.CreatedAt)
	if err != nil {
		return nil, err
	}
	one.BroadcastID = &bid
	rows := make([]models.Notification, len(users))
	for i, u := range users {
		rows[i] = *one
		rows[i].ID, rows[i].UserID, rows[i].Channels = rowID(bid, b.CreatedAt, u), u, joinChannels(channels[i])
	}
	return rows, nil
}

// sendKeys is the UUID namespace of keyed sends.
var sendKeys = uuid.MustParse("0193a1c4-5b2e-7c3d-9e4f-a0b1c2d3e4f6")

// Event is the socket event that shows a row to its user.
func Event(row *models.Notification) realtime.Event {
	return realtime.EventNotification.Of(models.ViewOf(row))
}

// rowID is a UUIDv7 with the broadcast's timestamp and a hash of the
// broadcast and recipient: time-ordered like every id, and the same on
// retry. The timestamp is the broadcast id's own when that is a UUIDv7;
// a keyed broadcast's id is a hash of its key, so its creation time serves.
func rowID(bid uuid.UUID, created time.Time, user uuid.UUID) uuid.UUID {
	h := sha256.Sum256(append(bid[:], user[:]...))
	var id uuid.UUID
	if bid.Version() == 7 {
		copy(id[:6], bid[:6]) // the 48-bit millisecond timestamp
	} else {
		var ms [8]byte
		binary.BigEndian.PutUint64(ms[:], uint64(created.UnixMilli()))
		copy(id[:6], ms[2:])
	}
	copy(id[6:], h[:10])
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // RFC 4122 variant
	return id
}

func joinChannels(cs []models.Channel) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}
