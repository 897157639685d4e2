package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/partysync"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// PartyOptions size the party benchmarks.
type PartyOptions struct {
	Listeners int // sockets in the party
	Rounds    int // controls timed (control latency)
}

// partyBench is a live public party on an api and worker running in this
// process, with its host and its listeners' tokens.
type partyBench struct {
	p       *app.Platform
	client  *Client
	artist  uuid.UUID
	host    string // the artist's token
	fans    []string
	partyID uuid.UUID
	parties workflows.PartyClient
}

// startParty runs the platform, makes an artist and n fans and a party
// of two long tracks, and waits for it to go live.
func startParty(ctx context.Context, cfg config.Config, n int) (*partyBench, func(), error) {
	cfg.TemporalTaskQueue = "bench-party-" + models.NewID().String()
	p, base, stop, err := startPlatform(ctx, cfg, true)
	if err != nil {
		return nil, nil, err
	}
	b := &partyBench{p: p, client: &Client{Base: base}, parties: workflows.PartyClient{Conn: workflows.Conn{Client: p.Temporal, TaskQueue: cfg.TemporalTaskQueue}}}
	fail := func(err error) (*partyBench, func(), error) { stop(); return nil, nil, err }
	artist, fans, err := benchMembers(ctx, p, n)
	if err != nil {
		return fail(err)
	}
	b.fans, b.artist = fans, artist
	var u models.User
	if err := p.Store.DB(ctx).First(&u, "id = ?", artist).Error; err != nil {
		return fail(err)
	}
	if b.host, err = p.Auth.Tokens.IssueAccess(&u, time.Now()); err != nil {
		return fail(err)
	}
	track := map[string]any{"kind": "youtube", "video_id": "dQw4w9WgXcQ", "duration_ms": 600000}
	body, _ := json.Marshal(map[string]any{"title": "Bench party", "playlist": []any{track, track}, "capacity": 500})
	var party struct{ ID uuid.UUID }
	if err := b.client.post("/api/parties", b.host, body, &party); err != nil {
		return fail(err)
	}
	b.partyID = party.ID
	for {
		st, err := b.parties.State(ctx, party.ID)
		if err == nil && st.Status == models.PartyLive {
			return b, stop, nil
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (b *partyBench) room() string { return "party:" + b.partyID.String() }

// join opens a socket for token in the party's room.
func (b *partyBench) join(token string) (*websocket.Conn, error) {
	ws, err := b.client.Socket(token)
	if err != nil {
		return nil, err
	}
	if err := ws.WriteJSON(map[string]any{"type": "join_room", "id": "join", "room": b.room()}); err != nil {
		return nil, err
	}
	return ws, nil
}

// control steers the party over REST as its host.
func (b *partyBench) control(action string, positionMs int64) (models.PartyPlayback, error) {
	body, _ := json.Marshal(map[string]any{"action": action, "position_ms": positionMs})
	var pb models.PartyPlayback
	err := b.client.post("/api/parties/"+b.partyID.String()+"/playback", b.host, body, &pb)
	return pb, err
}

type serverFrame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// listener is a simulated player: its clock is skew ms off the server's,
// each frame it sends or gets takes its leg's delay plus jitter, and it
// follows the party with the reference player.
type listener struct {
	ws        *websocket.Conn
	skew      time.Duration
	up, down  time.Duration
	wmu       sync.Mutex
	mu        sync.Mutex
	follower  partysync.Follower
	pings     map[string]int64 // id → client time sent
	nextPing  int
	jitterAvg time.Duration
}

func (l *listener) clock() int64 { return time.Now().Add(l.skew).UnixMilli() }

func (l *listener) jitter() time.Duration {
	return time.Duration(rand.ExpFloat64() * float64(l.jitterAvg))
}

// ping sends one ping after the up leg's delay.
func (l *listener) ping() {
	l.mu.Lock()
	l.nextPing++
	id := strconv.Itoa(l.nextPing)
	l.pings[id] = l.clock()
	l.mu.Unlock()
	time.AfterFunc(l.up+l.jitter(), func() {
		l.wmu.Lock()
		defer l.wmu.Unlock()
		_ = l.ws.WriteJSON(map[string]any{"type": "ping", "id": id})
	})
}

// read hands each frame to the player after the down leg's delay.
func (l *listener) read() {
	for {
		_, raw, err := l.ws.ReadMessage()
		if err != nil {
			return
		}
		time.AfterFunc(l.down+l.jitter(), func() { l.receive(raw) })
	}
}

func (l *listener) receive(raw []byte) {
	var f serverFrame
	if json.Unmarshal(raw, &f) != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch f.Type {
	case "pong":
		var d struct {
			ServerMs int64 `json:"server_ms"`
		}
		if sent, ok := l.pings[f.ID]; ok && json.Unmarshal(f.Data, &d) == nil {
			delete(l.pings, f.ID)
			l.follower.Clock.Observe(sent, d.ServerMs, l.clock())
		}
	case "party:sync":
		var pb models.PartyPlayback
		if json.Unmarshal(f.Data, &pb) == nil {
			l.follower.Sync(pb)
		}
	}
}

// errorAt is how far the listener's computed position is from truth at
// real time now (a listener on another track, or without a clock yet, is
// an hour off).
func (l *listener) errorAt(now time.Time, truth models.PartyPlayback) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	track, pos, ok := l.follower.Expected(now.Add(l.skew).UnixMilli())
	if !ok || track != truth.TrackIndex {
		return float64(time.Hour.Milliseconds())
	}
	return math.Abs(float64(pos - partysync.Position(truth, now.UnixMilli())))
}

// PartySync measures how closely simulated listeners follow a party: each
// has a clock off by up to ±2 s and a round trip of 10–200 ms (legs
// differing by up to ±10 %, plus exponential jitter of 5 ms on average
// per frame), estimates its offset with ping/pong and applies every
// party:sync with the reference player. After a pause, a play, a seek and
// a track change it compares each computed position with the party's.
func PartySync(ctx context.Context, cfg config.Config, o PartyOptions, out io.Writer) error {
	b, stop, err := startParty(ctx, cfg, o.Listeners)
	if err != nil {
		return err
	}
	defer stop()
	rng := rand.New(rand.NewPCG(1, 2))
	listeners := make([]*listener, o.Listeners)
	for i, token := range b.fans {
		ws, err := b.join(token)
		if err != nil {
			return err
		}
		defer ws.Close()
		rtt := time.Duration(10+rng.IntN(191)) * time.Millisecond
		split := 0.5 + (rng.Float64()-0.5)*0.2
		l := &listener{ws: ws, skew: time.Duration(rng.IntN(4001)-2000) * time.Millisecond,
			up: time.Duration(float64(rtt) * split), down: time.Duration(float64(rtt) * (1 - split)),
			pings: map[string]int64{}, jitterAvg: 5 * time.Millisecond}
		listeners[i] = l
		go l.read()
	}
	pinging, stopPings := context.WithCancel(ctx)
	defer stopPings()
	for _, l := range listeners {
		go func() {
			for i := 0; ; i++ {
				l.ping()
				wait := time.Second // every second, as on a join, for the benchmark's short life
				if i < 5 {
					wait = 200 * time.Millisecond
				}
				select {
				case <-pinging.Done():
					return
				case <-time.After(wait):
				}
			}
		}()
	}
	time.Sleep(2 * time.Second) // the first round trips

	var errs []float64
	for _, step := range []struct {
		action string
		pos    int64
	}{{"pause", 0}, {"play", 0}, {"seek", 300000}, {"next", 0}} {
		truth, err := b.control(step.action, step.pos)
		if err != nil {
			return fmt.Errorf("%s: %w", step.action, err)
		}
		time.Sleep(1500 * time.Millisecond) // past the slowest leg, then a while playing
		now := time.Now()
		for _, l := range listeners {
			errs = append(errs, l.errorAt(now, truth))
		}
	}
	slices.Sort(errs)
	within := 0
	for _, e := range errs {
		if e <= 50 {
			within++
		}
	}
	fmt.Fprintf(out, "BENCH party_sync_listeners %d clients\n", o.Listeners)
	fmt.Fprintf(out, "BENCH party_sync_within_50ms_pct %.2f %%\n", 100*float64(within)/float64(len(errs)))
	fmt.Fprintf(out, "BENCH party_sync_error_p50_ms %.1f ms\n", errs[len(errs)*50/100])
	fmt.Fprintf(out, "BENCH party_sync_error_p99_ms %.1f ms\n", errs[len(errs)*99/100])
	return nil
}

// PartyControl measures a host's control (party:control over the host's
// socket) until the last of the listeners' sockets has the party:sync of
// it, next to a bare Update of the same party's workflow on the same
// Temporal server, in the same run.
func PartyControl(ctx context.Context, cfg config.Config, o PartyOptions, out io.Writer) error {
	b, stop, err := startParty(ctx, cfg, o.Listeners)
	if err != nil {
		return err
	}
	defer stop()
	var (
		mu      sync.Mutex
		got     = map[int64]int{}       // version → listeners that have it
		last    = map[int64]time.Time{} // version → when the last got it
		allHave = make(chan int64, o.Rounds+4)
	)
	for _, token := range b.fans {
		ws, err := b.join(token)
		if err != nil {
			return err
		}
		defer ws.Close()
		go func() {
			for {
				_, raw, err := ws.ReadMessage()
				if err != nil {
					return
				}
				at := time.Now()
				var f serverFrame
				if json.Unmarshal(raw, &f) != nil || f.Type != "party:sync" {
					continue
				}
				var pb models.PartyPlayback
				if json.Unmarshal(f.Data, &pb) != nil {
					continue
				}
				mu.Lock()
				got[pb.Version]++
				last[pb.Version] = at
				if got[pb.Version] == o.Listeners {
					allHave <- pb.Version
				}
				mu.Unlock()
			}
		}()
	}
	host, err := b.client.Socket(b.host)
	if err != nil {
		return err
	}
	defer host.Close()
	time.Sleep(time.Second) // every join done
	actions := []string{"pause", "play"}
	var control []time.Duration
	for i := range o.Rounds {
		sent := time.Now()
		if err := host.WriteJSON(map[string]any{"type": "party:control", "id": "c", "room": b.room(), "data": map[string]any{"action": actions[i%2]}}); err != nil {
			return err
		}
		version, err := awaitAck(host)
		if err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		// The control's own version: the syncs every listener had before
		// (the one sent on joining) are not its.
		for v := int64(-1); v != version; {
			select {
			case v = <-allHave:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("round %d: not every listener got the sync of version %d", i, version)
			}
		}
		mu.Lock()
		control = append(control, last[version].Sub(sent))
		mu.Unlock()
		time.Sleep(250 * time.Millisecond) // a host's controls are paced by the chat rate class (5/s)
	}
	var bare []time.Duration
	for i := range o.Rounds {
		t := time.Now()
		if _, err := b.parties.Playback(ctx, b.partyID, actions[i%2], b.artist, 0); err != nil {
			return err
		}
		bare = append(bare, time.Since(t))
		time.Sleep(250 * time.Millisecond)
	}
	ms := func(d []time.Duration, q int) float64 {
		slices.Sort(d)
		return float64(d[len(d)*q/100].Microseconds()) / 1000
	}
	fmt.Fprintf(out, "BENCH party_control_listeners %d clients\n", o.Listeners)
	fmt.Fprintf(out, "BENCH party_control_to_last_sync_p50_ms %.2f ms\n", ms(control, 50))
	fmt.Fprintf(out, "BENCH party_control_to_last_sync_p99_ms %.2f ms\n", ms(control, 99))
	fmt.Fprintf(out, "BENCH temporal_bare_update_p50_ms %.2f ms\n", ms(bare, 50))
	fmt.Fprintf(out, "BENCH temporal_bare_update_p99_ms %.2f ms\n", ms(bare, 99))
	return nil
}

// awaitAck reads the host's socket up to the ack of its control and
// returns the version of the playback it answers.
func awaitAck(ws *websocket.Conn) (int64, error) {
	for {
		var f struct {
			Type  string
			OK    bool
			Data  models.PartyPlayback
			Error json.RawMessage
		}
		if err := ws.ReadJSON(&f); err != nil {
			return 0, err
		}
		if f.Type == "ack" {
			if !f.OK {
				return 0, fmt.Errorf("control refused: %s", f.Error)
			}
			return f.Data.Version, nil
		}
	}
}
