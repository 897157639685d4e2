package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
)

// LeaderboardOptions size the leaderboard benchmark.
type LeaderboardOptions struct {
	Fans        int // fans of the one artist, each with a score
	Concurrency int // closed-loop clients
	Requests    int // reads of each kind
}

// Leaderboard measures an artist's leaderboard at o.Fans fans: the first
// page of GET /api/artists/:id/top-fans, a page deep in it (following a
// cursor from the middle), and a fan's own GET …/me/engagement (rank and
// percentile count over every fan), warm, from o.Concurrency clients. The
// api runs in this process on cfg's PostgreSQL; the fans' score rows are
// written in bulk, as a month of acts would leave them.
func Leaderboard(ctx context.Context, cfg config.Config, o LeaderboardOptions, out io.Writer) error {
	p, base, stop, err := startPlatform(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer stop()
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, o.Fans); err != nil {
		return err
	}
	db := p.Store.DB(ctx)
	now := time.Now().UTC()
	for _, period := range []string{models.PeriodAll, models.PeriodWeek} {
		if err := db.Exec(`INSERT INTO engagement_scores (artist_id, user_id, period, d_play, score, streamed, updated_at)
			SELECT ?, user_id, ?, s, s, 60, ? FROM (SELECT user_id, random() * 1e6 AS s FROM follows WHERE artist_id = ?) f`,
			artist, models.PeriodKey(period, now), now, artist).Error; err != nil {
			return err
		}
	}
	// As autovacuum leaves a table in service: statistics, and a visibility
	// map so counts read the index alone.
	if err := db.Exec("VACUUM ANALYZE engagement_scores").Error; err != nil {
		return err
	}
	var fan models.User
	if err := db.Joins("JOIN follows ON follows.user_id = users.id").Where("follows.artist_id = ?", artist).Take(&fan).Error; err != nil {
		return err
	}
	token, err := p.Auth.Tokens.IssueAccess(&fan, now)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	board := base + "/api/artists/" + artist.String() + "/top-fans"
	mid, err := cursorAt(hc, board, o.Fans/2)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "BENCH leaderboard_fans %d fans\n", o.Fans)
	for _, read := range []struct{ name, url, token string }{
		{"leaderboard_first_page", board + "?period=all&limit=20", ""},
		{"leaderboard_week_first_page", board + "?period=week&limit=20", ""},
		{"leaderboard_middle_page", board + "?period=all&limit=20&cursor=" + url.QueryEscape(mid), ""},
		{"leaderboard_my_standing", base + "/api/artists/" + artist.String() + "/me/engagement", token},
	} {
		closedLoop(o.Concurrency, o.Requests/10, func(int) error { return get(hc, read.url, read.token) }) // warm
		closedLoop(o.Concurrency, o.Requests, func(int) error { return get(hc, read.url, read.token) }).Print(out, read.name)
	}
	return nil
}

// cursorAt walks the board in pages of 100 to the cursor after about n
// fans.
func cursorAt(hc *http.Client, board string, n int) (string, error) {
	cursor := ""
	for seen := 0; seen < n; seen += 100 {
		resp, err := hc.Get(board + "?period=all&limit=100&cursor=" + url.QueryEscape(cursor))
		if err != nil {
			return "", err
		}
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || page.NextCursor == "" {
			return cursor, err
		}
		cursor = page.NextCursor
	}
	return cursor, nil
}

func get(hc *http.Client, url, token string) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}
