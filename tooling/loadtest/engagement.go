package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// EngagementOptions size the engagement benchmark.
type EngagementOptions struct {
	Clients  int           // closed-loop clients posting batches
	Fans     int           // fans per client, each with its own events
	Duration time.Duration // of the ingest part
}

// engagementSlots are the batches one fan can send: each covers 250
// minutes of progress, so five fit in the last 24 h of the fan's wall clock.
const (
	engagementSlots   = 5
	engagementBatch   = 500
	progressPerBatch  = engagementBatch / 2
	engagementFlushed = 5000
)

// Engagement measures POST /api/engagement/events: Clients clients post
// batches of 500 events (half progress of one track, a minute each,
// consecutive; half shares of it) for Duration, each batch a fan's next
// quarter day, and counts the events the answers accept. Then it flushes
// what was accepted into PostgreSQL (the flush's activity) and copies the
// same rows with a plain COPY into a table like engagement_events, in the
// same run. The api runs in this process on cfg's database and Redis.
func Engagement(ctx context.Context, cfg config.Config, o EngagementOptions, out io.Writer) error {
	cfg.EngagementRateLimit = 0
	p, base, stop, err := startPlatform(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer stop()
	track, tokens, err := engagementWorld(ctx, p, o.Clients*o.Fans)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}
	var accepted, refused, batches, errs atomic.Int64
	start := time.Now()
	end := start.Add(o.Duration)
	var wg sync.WaitGroup
	for c := range o.Clients {
		wg.Go(func() {
			for b := 0; b < o.Fans*engagementSlots && time.Now().Before(end); b++ {
				fan := c*o.Fans + b%o.Fans
				body := engagementBody(track, start, b/o.Fans, b)
				a, err := postEvents(hc, base, tokens[fan], body)
				if err != nil {
					errs.Add(1)
					continue
				}
				batches.Add(1)
				accepted.Add(int64(a.Accepted))
				refused.Add(int64(engagementBatch - a.Accepted))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Fprintf(out, "BENCH engagement_ingest %.0f events/s\n", float64(accepted.Load())/elapsed.Seconds())
	fmt.Fprintf(out, "BENCH engagement_ingest_batches %.1f batches/s\n", float64(batches.Load())/elapsed.Seconds())
	fmt.Fprintf(out, "BENCH engagement_ingest_not_accepted %d events\n", refused.Load())
	fmt.Fprintf(out, "BENCH engagement_ingest_errors %d requests\n", errs.Load())
	return engagementFlush(ctx, p, out)
}

// engagementWorld makes an artist with a track and n fans, signed in.
func engagementWorld(ctx context.Context, p *app.Platform, n int) (track uuid.UUID, tokens []string, err error) {
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, n); err != nil {
		return track, nil, err
	}
	now := time.Now().UTC()
	item := &models.Content{ID: models.NewID(), ArtistID: artist, Kind: models.ContentTrack, Title: "Bench", DurationSeconds: 300,
		MinTier: models.TierFollower, CreatedAt: now, UpdatedAt: now}
	if err := p.Store.CreateContent(ctx, item); err != nil {
		return track, nil, err
	}
	var fans []models.User
	if err := p.Store.DB(ctx).Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artist).Find(&fans).Error; err != nil {
		return track, nil, err
	}
	for i := range fans {
		t, err := p.Auth.Tokens.IssueAccess(&fans[i], now)
		if err != nil {
			return track, nil, err
		}
		tokens = append(tokens, t)
	}
	return item.ID, tokens, nil
}

// engagementBody is the JSON of a fan's batch for slot (of the last 24 h
// before start): progress a minute each through its 250 minutes, and as
// many shares. Client ids are unique per fan and slot.
func engagementBody(track uuid.UUID, start time.Time, slot, batch int) []byte {
	from := start.Add(-23 * time.Hour).Add(time.Duration(slot*progressPerBatch) * time.Minute)
	id := track.String()
	b := make([]byte, 0, engagementBatch*150)
	b = append(b, `{"events":[`...)
	for i := range engagementBatch {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"client_id":"`...)
		b = strconv.AppendInt(b, int64(batch), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(i), 10)
		at := from.Add(time.Duration(i%progressPerBatch+1) * time.Minute)
		if i < progressPerBatch {
			b = append(b, `","action":"progress","seconds":60,"at":"`...)
		} else {
			b = append(b, `","action":"share","at":"`...)
		}
		b = at.AppendFormat(b, time.RFC3339)
		b = append(b, `","content_id":"`...)
		b = append(b, id...)
		b = append(b, `"}`...)
	}
	return append(b, `]}`...)
}

type eventsAnswer struct {
	Accepted int `json:"accepted"`
}

func postEvents(hc *http.Client, base, token string, body []byte) (eventsAnswer, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/engagement/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return eventsAnswer{}, err
	}
	defer resp.Body.Close()
	var a eventsAnswer
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return a, fmt.Errorf("POST events: status %d", resp.StatusCode)
	}
	return a, json.NewDecoder(resp.Body).Decode(&a)
}

// engagementFlush drains the buffer with the flush's activity, timed,
// then COPYs the rows it wrote into a table like engagement_events (same
// indexes, no foreign keys), 5,000 a transaction as the flush takes them.
func engagementFlush(ctx context.Context, p *app.Platform, out io.Writer) error {
	a := &activities.Engagement{Store: p.Store, Buffer: p.EngagementBuffer}
	t := time.Now()
	f, err := a.FlushEngagement(ctx, activities.FlushEngagement{Batch: engagementFlushed, Budget: time.Hour})
	if err != nil {
		return err
	}
	took := time.Since(t)
	fmt.Fprintf(out, "BENCH engagement_flush %.0f rows/s\n", float64(f.Added)/took.Seconds())
	fmt.Fprintf(out, "BENCH engagement_flush_rows %d rows\n", f.Added)

	var rows []models.EngagementEvent
	if err := p.Store.DB(ctx).Find(&rows).Error; err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, p.Config.DatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS engagement_copy; CREATE TABLE engagement_copy (LIKE engagement_events INCLUDING ALL)`); err != nil {
		return err
	}
	cols := []string{"id", "user_id", "artist_id", "action", "amount", "at", "once_key"}
	t = time.Now()
	for i := 0; i < len(rows); i += engagementFlushed {
		chunk := rows[i:min(i+engagementFlushed, len(rows))]
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"engagement_copy"}, cols, pgx.CopyFromSlice(len(chunk), func(j int) ([]any, error) {
			e := chunk[j]
			return []any{e.ID, e.UserID, e.ArtistID, string(e.Action), e.Amount, e.At, e.OnceKey}, nil
		})); err != nil {
			return err
		}
	}
	took = time.Since(t)
	fmt.Fprintf(out, "BENCH engagement_copy_baseline %.0f rows/s\n", float64(len(rows))/took.Seconds())
	return nil
}
