package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// PartyChatOptions size the party chat benchmark.
type PartyChatOptions struct {
	Listeners int // sockets in the party's room (at most its 500 seats)
	Senders   int // of those, the ones that chat, Rate/Senders lines a second each (the chat rate class allows 5)
	Rate      int // lines a second in all
	Duration  time.Duration
}

// partyStat is one line's deliveries: how many listeners got it and when
// the last one did.
type partyStat struct {
	sent, last atomic.Int64 // unix nanos
	got        atomic.Int32
}

// PartyChat measures a party's chat as its listeners see it: Senders
// sockets send party:chat frames at Rate (sanitized, stored, published),
// every socket in the room (the senders' too) receives them; a line's delay is from
// its send to the last listener's receipt. The api runs in this process
// on cfg's database and Redis; the party is a row in its lobby (scheduled),
// where chat is open, so no workflow runs.
func PartyChat(ctx context.Context, cfg config.Config, o PartyChatOptions, out io.Writer) error {
	p, base, stop, err := startPlatform(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer stop()
	artistID := models.NewID()
	if err := seedFollowers(ctx, p, artistID, o.Listeners); err != nil {
		return err
	}
	now := time.Now().UTC()
	party := &models.Party{ID: models.NewID(), ArtistID: artistID, Title: "Bench party", ScheduledAt: now.Add(time.Hour), MinTier: models.TierFollower,
		Capacity: 500, Status: models.PartyScheduled, CreatedAt: now, UpdatedAt: now,
		Playlist: []models.PartyTrack{{Kind: models.TrackYouTube, VideoID: "dQw4w9WgXcQ", DurationMs: 200000}}}
	if err := p.Store.CreateParty(ctx, party); err != nil {
		return err
	}
	var fans []models.User
	if err := p.Store.DB(ctx).Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artistID).Find(&fans).Error; err != nil {
		return err
	}
	room := "party:" + party.ID.String()
	c := &Client{Base: base}
	dial := func(u *models.User) (*websocket.Conn, error) {
		token, err := p.Auth.Tokens.IssueAccess(u, now)
		if err != nil {
			return nil, err
		}
		ws, err := c.Socket(token)
		if err != nil {
			return nil, err
		}
		return ws, joinRoom(ws, room)
	}

	lines := make([]partyStat, o.Rate*int(o.Duration.Seconds()+1)+o.Rate)
	var readers sync.WaitGroup
	var conns []*websocket.Conn
	defer func() { closeAll(conns); readers.Wait() }()
	var refused atomic.Int64
	for i := range o.Listeners {
		ws, err := dial(&fans[i])
		if err != nil {
			return fmt.Errorf("listener %d: %w", i, err)
		}
		conns = append(conns, ws)
		readers.Go(func() { readPartyChat(ws, lines, int32(o.Listeners), &refused) })
	}
	senders := conns[:min(max(o.Senders, 1), len(conns))]

	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	end := time.Now().Add(o.Duration)
	sent := 0
	for now := range tick.C {
		if now.After(end) || sent == len(lines) {
			break
		}
		lines[sent].sent.Store(time.Now().UnixNano())
		frame, _ := json.Marshal(map[string]any{"type": "party:chat", "id": strconv.Itoa(sent),
			"data": map[string]any{"party_id": party.ID.String(), "body": "line " + strconv.Itoa(sent)}})
		if err := senders[sent%len(senders)].WriteMessage(websocket.TextMessage, frame); err != nil {
			return err
		}
		sent++
	}
	tick.Stop()
	deadline := time.Now().Add(drainTimeout)
	for i := 0; i < sent && time.Now().Before(deadline); {
		if lines[i].got.Load() >= int32(o.Listeners) {
			i++
			continue
		}
		time.Sleep(10 * time.Millisecond)
	}

	var delays []time.Duration
	lost := 0
	for i := range sent {
		if lines[i].got.Load() < int32(o.Listeners) {
			lost++
			continue
		}
		delays = append(delays, time.Duration(lines[i].last.Load()-lines[i].sent.Load()))
	}
	if len(delays) == 0 {
		return fmt.Errorf("no line reached every listener (%d refused)", refused.Load())
	}
	slices.Sort(delays)
	fmt.Fprintf(out, "BENCH party_chat_lines %d lines\n", sent)
	fmt.Fprintf(out, "BENCH party_chat_refused %d lines\n", refused.Load())
	fmt.Fprintf(out, "BENCH party_chat_lost %d lines\n", lost)
	fmt.Fprintf(out, "BENCH party_chat_delivery_p50_ms %.2f ms\n", float64(delays[len(delays)/2].Microseconds())/1000)
	fmt.Fprintf(out, "BENCH party_chat_delivery_p99_ms %.2f ms\n", float64(delays[len(delays)*99/100].Microseconds())/1000)
	return nil
}

var lineField = []byte(`"body":"line `)

// readPartyChat reads a listener's socket until it closes, counting each
// party:chat line it gets by its body ("line {index}"), and the
// acks that refused one of its own lines.
func readPartyChat(ws *websocket.Conn, lines []partyStat, listeners int32, refused *atomic.Int64) {
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		if bytes.Contains(b, []byte(`"type":"ack"`)) && bytes.Contains(b, []byte(`"ok":false`)) {
			refused.Add(1)
			continue
		}
		i := bytes.Index(b, lineField)
		if i < 0 || !bytes.Contains(b, []byte(`"type":"party:chat"`)) {
			continue
		}
		rest := b[i+len(lineField):]
		n, err := strconv.Atoi(string(rest[:max(bytes.IndexByte(rest, '"'), 0)]))
		if err != nil || n < 0 || n >= len(lines) {
			continue
		}
		l := &lines[n]
		if l.got.Add(1) == listeners {
			l.last.Store(now)
		}
	}
}
