package realtime

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Frame is what a client sends: {type, id, room, data}.
type Frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Room string          `json:"room,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Limits of the protocol.
const (
	ReadLimit     = 64 << 10 // bytes of one client frame
	maxTypeLen    = 64
	maxIDLen      = 64
	maxRoomLen    = 128
	HistorySize   = 300
	HistoryMaxAge = 2 * time.Minute
	PingInterval  = 25 * time.Second // the default, and the longest Options allow
	PongTimeout   = 20 * time.Second // the default
	CountInterval = time.Second      // a crowd room's count is sent at most this often
)

// Close codes sent to clients (4000–4999 are the application's own).
const (
	CloseNormal       = 1000
	CloseGoingAway    = 1001 // the server is shutting down
	CloseUnsupported  = 1003 // binary frames
	ClosePolicy       = 1008
	CloseTooBig       = 1009
	CloseInternal     = 1011
	CloseUnauthorized = 4001 // bad, expired or reused ticket
	CloseTooMany      = 4003 // per-user connection cap
	CloseSlowConsumer = 4008 // send queue overflowed
	CloseFlooding     = 4029 // kept breaking the rate limits
	CloseTimeout      = 4000 // no pong within the timeout
)

// DecodeFrame parses and checks one client frame. On error the frame
// holds its type and id once those were read.
func DecodeFrame(b []byte) (Frame, error) {
	var f Frame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Frame{}, models.Errorf(models.CodeInvalid, "frame must be a JSON object {type, id, room, data}")
	}
	if dec.More() {
		return Frame{}, models.Errorf(models.CodeInvalid, "one JSON object per frame")
	}
	switch {
	case f.Type == "" || len(f.Type) > maxTypeLen:
		return Frame{}, models.FieldError("type", "type is required (at most %d bytes)", maxTypeLen)
	case len(f.ID) > maxIDLen:
		return Frame{}, models.FieldError("id", "id must have at most %d bytes", maxIDLen)
	}
	head := Frame{Type: f.Type, ID: f.ID} // a frame with a usable id is answered by its ack
	switch {
	case len(f.Room) > maxRoomLen:
		return head, models.FieldError("room", "room must have at most %d bytes", maxRoomLen)
	case len(f.Data) > 0 && f.Data[0] != '{' && !bytes.Equal(f.Data, []byte("null")):
		return head, models.FieldError("data", "data must be an object")
	}
	if f.Room != "" {
		room, err := CanonicalRoom(f.Room)
		if err != nil {
			return head, err
		}
		f.Room = room
	}
	return f, nil
}

// CanonicalRoom is room's one spelling, kind:{uuid} with the id as
// uuid.UUID.String() writes it, or an invalid-input error. uuid.Parse also
// takes upper case, {…}, urn:uuid: and 32 bare hex digits: the hub keys
// rooms, seats and rosters by name, so an alias would be another room
// with the same access (a second seat, a stay no kick reaches).
func CanonicalRoom(room string) (string, error) {
	kind, id, ok := splitRoom(room)
	if !ok {
		return "", models.FieldError("room", "room must look like kind:id")
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", models.FieldError("room", "a room's id must be a uuid")
	}
	return kind + ":" + u.String(), nil
}

// Event is what the server sends into a room.
type Event struct {
	Type string
	Data any
}

// encodeEvent renders an event as the JSON object tail shared by every
// frame of it: `"type":…,"room":…,"data":…}`. The broker prefixes the
// room's seq and the server time, so one rendering serves every recipient.
func encodeEvent(room string, e Event) ([]byte, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(data)+len(room)+len(e.Type)+32)
	b = append(b, `"type":`...)
	b = strconv.AppendQuote(b, e.Type)
	b = append(b, `,"room":`...)
	b = strconv.AppendQuote(b, room)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}'), nil
}

// withHeader completes an encoded event with its seq (0: ephemeral, none)
// and server time in milliseconds.
func withHeader(seq uint64, tsMillis int64, tail []byte) []byte {
	b := make([]byte, 0, len(tail)+48)
	b = append(b, '{')
	if seq > 0 {
		b = append(b, `"seq":`...)
		b = strconv.AppendUint(b, seq, 10)
		b = append(b, ',')
	}
	b = append(b, `"ts":`...)
	b = strconv.AppendInt(b, tsMillis, 10)
	b = append(b, ',')
	return append(b, tail...)
}

// frameSeq reads the seq and ts that withHeader wrote.
func frameSeq(frame []byte) (seq uint64, ts int64) {
	var h struct {
		Seq uint64 `json:"seq"`
		TS  int64  `json:"ts"`
	}
	// Only the header is needed: decode up to the first field after ts.
	end := bytes.Index(frame, []byte(`,"type":`))
	if end < 0 {
		return 0, 0
	}
	_ = json.Unmarshal(append(frame[:end:end], '}'), &h)
	return h.Seq, h.TS
}

type ack struct {
	Type  string       `json:"type"`
	ID    string       `json:"id"`
	OK    bool         `json:"ok"`
	Data  any          `json:"data,omitempty"`
	Error *errorObject `json:"error,omitempty"`
}

type errorObject struct {
	Code    models.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field,omitempty"`
}

type errorFrame struct {
	Type  string      `json:"type"`
	Error errorObject `json:"error"`
}

func toErrorObject(err error) errorObject {
	if e, ok := err.(*models.Error); ok {
		return errorObject{Code: e.Code, Message: e.Message, Field: e.Field}
	}
	return errorObject{Code: models.CodeInternal, Message: "internal error"}
}
