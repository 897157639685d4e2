package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// MessagesOptions size the messaging benchmark.
type MessagesOptions struct {
	Members     int // fans in the club, one conversation each
	Concurrency int // closed-loop clients for the throughput part
	Sends       int // messages sent in the throughput part
	Sockets     int // recipients online for the latency part
	Rate        int // messages a second in the latency part
	Duration    time.Duration
}

// Messages measures POST /api/messages/conversations/:id/messages (the
// artist writing to members: the quota, block, duplicate and membership
// checks, the insert and the conversation update in one transaction, the
// publish, the presence check) in a closed loop, then the delay from a
// send to the recipient's socket at a steady rate. The api runs in this
// process on cfg's database and Redis.
func Messages(ctx context.Context, cfg config.Config, o MessagesOptions, out io.Writer) error {
	p, base, stop, err := startPlatform(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer stop()

	artist, convs, fanTokens, err := benchConversations(ctx, p, o.Members)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	send := func(i int, body string) error {
		b, _ := json.Marshal(map[string]string{"body": body})
		return create(hc, base+"/api/messages/conversations/"+convs[i%len(convs)]+"/messages", artist, b)
	}
	res := closedLoop(o.Concurrency, o.Sends, func(i int) error { return send(i, "load "+strconv.Itoa(i)) })
	res.Print(out, "messages_send")

	// Latency to the recipient: o.Sockets members online, each in its
	// conversation's room; sends at o.Rate carry their send time.
	c := &Client{Base: base}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	var joined sync.WaitGroup // each socket's join answered (or the socket gone)
	arrived := newTally()
	for i := range o.Sockets {
		ws, err := c.Socket(fanTokens[i])
		if err != nil {
			return err
		}
		defer ws.Close()
		join, _ := json.Marshal(map[string]any{"type": "join_room", "id": "j", "room": "conversation:" + convs[i]})
		if err := ws.WriteMessage(1, join); err != nil {
			return err
		}
		joined.Add(1)
		wg.Go(func() {
			var ack sync.Once
			defer ack.Do(joined.Done)
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				var ev struct {
					Type string
					Data struct{ Body string }
				}
				if json.Unmarshal(b, &ev) != nil {
					continue
				}
				if ev.Type == "ack" {
					ack.Do(joined.Done)
				}
				if ev.Type != "message:new" {
					continue
				}
				if sent, err := strconv.ParseInt(strings.TrimPrefix(ev.Data.Body, "t="), 10, 64); err == nil {
					mu.Lock()
					lat = append(lat, time.Since(time.Unix(0, sent)))
					mu.Unlock()
					arrived.add()
				}
			}
		})
	}
	joined.Wait()
	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	end := time.Now().Add(o.Duration)
	errs, sends := 0, 0
	var senders sync.WaitGroup
	for i := 0; time.Now().Before(end); i++ {
		sends++
		<-tick.C
		senders.Go(func() {
			if send(i%o.Sockets, "t="+strconv.FormatInt(time.Now().UnixNano(), 10)) != nil {
				mu.Lock()
				errs++
				mu.Unlock()
			}
		})
	}
	tick.Stop()
	senders.Wait()
	select { // every message sent reaches its recipient's socket, or is lost by the deadline
	case <-arrived.reach(int64(sends - errs)):
	case <-time.After(drainTimeout):
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 {
		return fmt.Errorf("no message reached a socket")
	}
	slices.Sort(lat)
	fmt.Fprintf(out, "BENCH messages_socket_delivered %d messages\n", len(lat))
	fmt.Fprintf(out, "BENCH messages_socket_errors %d count\n", errs)
	fmt.Fprintf(out, "BENCH messages_socket_p50 %.2f ms\n", float64(lat[len(lat)/2].Microseconds())/1000)
	fmt.Fprintf(out, "BENCH messages_socket_p99 %.2f ms\n", float64(lat[len(lat)*99/100].Microseconds())/1000)
	return nil
}

// benchConversations makes an artist with n superfans, each with a live
// membership (as its workflow records it) and a conversation.
func benchConversations(ctx context.Context, p *app.Platform, n int) (artistToken string, convs, fanTokens []string, err error) {
	artistID := models.NewID()
	if err := seedFollowers(ctx, p, artistID, n); err != nil {
		return "", nil, nil, err
	}
	artist, err := p.Store.UserByID(ctx, artistID)
	if err != nil {
		return "", nil, nil, err
	}
	now := time.Now().UTC()
	if artistToken, err = p.Auth.Tokens.IssueAccess(artist, now); err != nil {
		return "", nil, nil, err
	}
	var fans []models.User
	if err := p.Store.DB(ctx).Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artistID).Find(&fans).Error; err != nil {
		return "", nil, nil, err
	}
	for i := range fans {
		end := now.AddDate(0, 1, 0)
		sub := models.Subscription{ArtistID: artistID, FanID: fans[i].ID, WorkflowID: "bench", Tier: models.TierSuperfan,
			Status: models.StatusActive, MemberSince: now, Period: 1, PeriodStart: now, PeriodEnd: end, NextChargeAt: &end,
			PriceCents: 1000, Currency: models.Currency, CreatedAt: now, UpdatedAt: now}
		if err := p.Store.RecordMembership(ctx, sub, 5, nil); err != nil {
			return "", nil, nil, err
		}
		conv, _, err := p.Store.OpenConversation(ctx, artistID, fans[i].ID, artistID, now)
		if err != nil {
			return "", nil, nil, err
		}
		token, err := p.Auth.Tokens.IssueAccess(&fans[i], now)
		if err != nil {
			return "", nil, nil, err
		}
		convs, fanTokens = append(convs, conv.ID.String()), append(fanTokens, token)
	}
	return artistToken, convs, fanTokens, nil
}
