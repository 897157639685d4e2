package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// PartyCrowd makes an artist with n fans (rows written directly, no
// password hashing) and signs them in: the artist's token and the fans'.
func PartyCrowd(ctx context.Context, p *app.Platform, n int) (artistToken string, fanTokens []string, err error) {
	artistID := models.NewID()
	if err := seedFollowers(ctx, p, artistID, n); err != nil {
		return "", nil, err
	}
	artist, err := p.Store.UserByID(ctx, artistID)
	if err != nil {
		return "", nil, err
	}
	now := time.Now().UTC()
	if artistToken, err = p.Auth.Tokens.IssueAccess(artist, now); err != nil {
		return "", nil, err
	}
	var fans []models.User
	if err := p.Store.DB(ctx).Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artistID).Find(&fans).Error; err != nil {
		return "", nil, err
	}
	for i := range fans {
		token, err := p.Auth.Tokens.IssueAccess(&fans[i], now)
		if err != nil {
			return "", nil, err
		}
		fanTokens = append(fanTokens, token)
	}
	return artistToken, fanTokens, nil
}

// Ack sends frame (its "id" set) on ws and returns its ack, skipping the
// other frames the socket gets meanwhile.
func Ack(ws *websocket.Conn, frame map[string]any) (map[string]any, error) {
	if err := ws.WriteJSON(frame); err != nil {
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer func() { _ = ws.SetReadDeadline(time.Time{}) }()
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return nil, err
		}
		if f["type"] == "ack" && f["id"] == frame["id"] {
			return f, nil
		}
	}
}

// JoinParty sends party:join on ws and returns "" when it was let in, or
// the error code of its refusal.
func JoinParty(ws *websocket.Conn, partyID, code string) (string, error) {
	ack, err := Ack(ws, map[string]any{"type": "party:join", "id": "join", "data": map[string]string{"party_id": partyID, "code": code}})
	if err != nil || ack["ok"] == true {
		return "", err
	}
	e, _ := ack["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c, nil
}

// JoinStorm has every socket send party:join for partyID, their sends
// spread evenly over spread, and returns each socket's answer (as
// JoinParty) and the time from the first send to the last answer.
func JoinStorm(conns []*websocket.Conn, partyID string, spread time.Duration) ([]string, time.Duration, error) {
	codes := make([]string, len(conns))
	errs := make([]error, len(conns))
	start := time.Now()
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Go(func() {
			time.Sleep(time.Until(start.Add(spread * time.Duration(i) / time.Duration(len(conns)))))
			codes[i], errs[i] = JoinParty(ws, partyID, "")
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i, err := range errs {
		if err != nil {
			return nil, 0, fmt.Errorf("client %d: %w", i, err)
		}
	}
	return codes, elapsed, nil
}

// PartyJoinStorm measures n fans joining one party of capacity n over
// spread: the time until every one of them is admitted. The api runs in
// this process on cfg's database, Redis and Temporal.
func PartyJoinStorm(ctx context.Context, cfg config.Config, n int, spread time.Duration, out io.Writer) error {
	if n < 1 || n > 500 {
		return fmt.Errorf("a party holds 1 to 500 listeners, not %d", n)
	}
	p, base, stop, err := startPlatform(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer stop()
	artist, fans, err := PartyCrowd(ctx, p, n)
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`{"title":"Storm","capacity":%d,"playlist":[{"kind":"youtube","video_id":"dQw4w9WgXcQ","duration_ms":200000}]}`, n)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/parties", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+artist)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var party struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&party)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create the party: %d %v", resp.StatusCode, err)
	}
	c := &Client{Base: base}
	conns := make([]*websocket.Conn, 0, n)
	defer func() { closeAll(conns) }()
	for _, token := range fans {
		ws, err := c.Socket(token)
		if err != nil {
			return err
		}
		conns = append(conns, ws)
	}
	codes, elapsed, err := JoinStorm(conns, party.ID, spread)
	if err != nil {
		return err
	}
	refused := 0
	for _, code := range codes {
		if code != "" {
			refused++
		}
	}
	if refused > 0 {
		return fmt.Errorf("%d of %d joins refused", refused, n)
	}
	fmt.Fprintf(out, "BENCH party_join_storm_%d_all_admitted_ms %d ms\n", n, elapsed.Milliseconds())
	return nil
}
