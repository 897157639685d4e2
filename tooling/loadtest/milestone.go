package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// MilestoneOptions size the milestone benchmark.
type MilestoneOptions struct {
	Fans int           // fans, each crossing a milestone once
	Rate int           // crossings a second
	Wait time.Duration // how long the last notification may take before it counts as lost
}

// Milestone measures the time from a milestone's crossing to the fan's
// notification: each of o.Fans fans, 10 seconds short of 1,000 minutes
// with the artist, reports a 30-second play (POST /api/content/:id/plays,
// which writes the milestone's row in the play's transaction); the
// dispatcher starts the fan's RewardWorkflow, which grants the artist's
// badge and notifies. The clock runs from the play's request (the crossing is inside it) to the
// `notification` frame on the fan's socket. The api and worker run in this
// process on cfg's PostgreSQL, Redis and Temporal.
func Milestone(ctx context.Context, cfg config.Config, o MilestoneOptions, out io.Writer) error {
	p, base, stop, err := startPlatform(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer stop()
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, o.Fans); err != nil {
		return err
	}
	now := time.Now().UTC()
	track := &models.Content{ID: models.NewID(), ArtistID: artist, Kind: models.ContentTrack, Title: "Milestone", DurationSeconds: 300,
		MinTier: models.TierFollower, CreatedAt: now, UpdatedAt: now}
	if err := p.Store.CreateContent(ctx, track); err != nil {
		return err
	}
	if err := p.Store.ReplaceRewardRules(ctx, artist, []models.RewardRule{{ID: models.NewID(), ArtistID: artist,
		MilestoneKey: models.FanMinutesMilestone(1000), Kind: models.RewardBadge, Title: "1,000 minutes", CreatedAt: now}}); err != nil {
		return err
	}
	db := p.Store.DB(ctx)
	if err := db.Exec(`INSERT INTO engagement_scores (artist_id, user_id, period, score, streamed, events, updated_at)
		SELECT artist_id, user_id, 'all', 0, 60 * 1000 - 10, 1, ? FROM follows WHERE artist_id = ?`, now, artist).Error; err != nil {
		return err
	}
	var fans []models.User
	if err := db.Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artist).Find(&fans).Error; err != nil {
		return err
	}
	fanTokens := make([]string, len(fans))
	for i := range fans {
		if fanTokens[i], err = p.Auth.Tokens.IssueAccess(&fans[i], now); err != nil {
			return err
		}
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	c := &Client{Base: base}

	var mu sync.Mutex
	sent := make([]time.Time, len(fans))
	var lat []time.Duration
	var wg sync.WaitGroup
	for i, tok := range fanTokens {
		ws, err := c.Socket(tok)
		if err != nil {
			return err
		}
		defer ws.Close()
		wg.Go(func() {
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				var f struct{ Type string }
				if json.Unmarshal(b, &f) == nil && f.Type == "notification" {
					mu.Lock()
					lat = append(lat, time.Since(sent[i]))
					mu.Unlock()
					return
				}
			}
		})
	}
	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	defer tick.Stop()
	errs := 0
	for i, tok := range fanTokens {
		<-tick.C
		body, _ := json.Marshal(map[string]int{"position_seconds": 30, "seconds_listened": 30})
		mu.Lock()
		sent[i] = time.Now() // the crossing is inside the play's request: the clock includes it
		mu.Unlock()
		if err := create(hc, base+"/api/content/"+track.ID.String()+"/plays", tok, body); err != nil {
			errs++
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(o.Wait):
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	if len(lat) == 0 {
		return fmt.Errorf("no milestone reached a socket")
	}
	fmt.Fprintf(out, "BENCH milestone_to_notification_p50 %.2f ms\n", float64(lat[len(lat)/2].Microseconds())/1000)
	fmt.Fprintf(out, "BENCH milestone_to_notification_p99 %.2f ms\n", float64(lat[len(lat)*99/100].Microseconds())/1000)
	fmt.Fprintf(out, "BENCH milestone_notifications_lost %d count\n", len(fans)-len(lat))
	fmt.Fprintf(out, "BENCH milestone_play_errors %d count\n", errs)
	return nil
}
