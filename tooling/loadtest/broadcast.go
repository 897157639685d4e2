package loadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// Broadcast measures an announcement to n followers on PostgreSQL: the
// platform's worker runs in this process, SendGrid is a local server that
// counts requests and personalizations.
func Broadcast(ctx context.Context, cfg config.Config, n int, out io.Writer) error {
	var requests, recipients atomic.Int64
	var lastMail atomic.Int64
	sg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		requests.Add(1)
		recipients.Add(int64(countTos(b)))
		lastMail.Store(time.Now().UnixNano())
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sg.Close()
	cfg.SendGridAPIKey, cfg.SendGridURL = "SG.bench", sg.URL
	cfg.TemporalTaskQueue = "bench-broadcast-" + models.NewID().String()
	p, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.Store.MigrateUp(ctx); err != nil {
		return err
	}
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, n); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx, nil, true) }()
	defer func() { stop(); <-done }()

	start := time.Now()
	id, err := p.Notify.Broadcast(ctx, models.Followers(artist), notify.Notification{
		Category: "announcement", GroupKey: "artist:" + artist.String(), Title: "Benchmark", Body: "Hello",
	}, "")
	if err != nil {
		return err
	}
	var prog models.BroadcastProgress
	if err := p.Temporal.GetWorkflow(ctx, workflows.BroadcastID(id), "").Get(ctx, &prog); err != nil {
		return err
	}
	total := time.Since(start)
	var rows int64
	if err := p.Store.DB(ctx).Model(&models.Notification{}).Where("broadcast_id = ?", id).Count(&rows).Error; err != nil {
		return err
	}
	fmt.Fprintf(out, "BENCH broadcast_recipients %d users\n", prog.Recipients)
	fmt.Fprintf(out, "BENCH broadcast_inbox_rows %d rows\n", rows)
	fmt.Fprintf(out, "BENCH broadcast_total %.2f s\n", total.Seconds())
	fmt.Fprintf(out, "BENCH broadcast_last_email_batch %.2f s\n", time.Duration(lastMail.Load()-start.UnixNano()).Seconds())
	fmt.Fprintf(out, "BENCH broadcast_rows_per_second %.0f rows/s\n", float64(rows)/total.Seconds())
	fmt.Fprintf(out, "BENCH broadcast_sendgrid_requests %d requests\n", requests.Load())
	fmt.Fprintf(out, "BENCH broadcast_sendgrid_personalizations %d emails\n", recipients.Load())
	return nil
}

// seedFollowers inserts n users who follow a new artist, in SQL, fast.
func seedFollowers(ctx context.Context, p *app.Platform, artist uuid.UUID, n int) error {
	db := p.Store.DB(ctx)
	now := time.Now().UTC()
	a := artist.String()
	if err := db.Exec(`INSERT INTO users (id, email, password_hash, role, display_name, time_zone, created_at, updated_at)
		VALUES (?, ?, 'x', 'artist', 'Bench Artist', 'UTC', ?, ?)`, a, "bench-"+a+"@example.com", now, now).Error; err != nil {
		return err
	}
	if err := db.Exec(`INSERT INTO artists (id, slug, name, created_at, updated_at) VALUES (?, ?, 'Bench Artist', ?, ?)`,
		a, "bench-"+a, now, now).Error; err != nil {
		return err
	}
	// uuid_generate_v7 is not in PostgreSQL 15: ids are random UUIDs here,
	// which only the keyset order of the follower pages sees.
	if err := db.Exec(`INSERT INTO users (id, email, password_hash, role, display_name, time_zone, created_at, updated_at)
		SELECT gen_random_uuid(), 'fan-' || g || '-' || ? || '@example.com', 'x', 'fan', 'Fan ' || g, 'UTC', ?, ?
		FROM generate_series(1, ?) g`, a, now, now, n).Error; err != nil {
		return err
	}
	if err := db.Exec(`INSERT INTO follows (user_id, artist_id, created_at)
		SELECT id, ?, ? FROM users WHERE email LIKE ?`, a, now, "fan-%-"+a+"@example.com").Error; err != nil {
		return err
	}
	// Statistics, as a database in service has them: without, the planner
	// reads every remaining follower on each page of the audience.
	return db.Exec(`ANALYZE users, follows`).Error
}

func countTos(body []byte) int {
	n := 0
	for i := 0; i+6 <= len(body); i++ {
		if string(body[i:i+6]) == `"to":[` {
			n++
		}
	}
	return n
}
