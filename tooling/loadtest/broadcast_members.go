package loadtest

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

// BroadcastMembers measures a release to n fans of one artist on
// PostgreSQL, through its ReleaseWorkflow: each window opens on the
// workflow's own timer (the release is scheduled, then moved, so that the
// superfan, the supporter and the public window each open two seconds
// ahead), and its announcement goes to the superfans (10% of the fans,
// each with one browser subscribed to push), the supporters (20%), then
// the followers who are not members (the other 70%); every fan follows.
// For each phase it prints the time from the window's opening (the timer)
// to its last notification row, its last SendGrid request and (for the
// superfans) its last web push, at a local SendGrid and push service.
func BroadcastMembers(ctx context.Context, cfg config.Config, n int, out io.Writer) error {
	sg, push := newCounter(http.StatusAccepted), newCounter(http.StatusCreated)
	defer sg.Close()
	defer push.Close()
	cfg.SendGridAPIKey, cfg.SendGridURL = "SG.bench", sg.URL
	cfg.PushDialAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} // the local push service
	cfg.TemporalTaskQueue = "bench-broadcast-" + models.NewID().String()
	p, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer p.Close()
	if p.Pusher == nil {
		return fmt.Errorf("web push is off: the members broadcast needs VAPID keys (set none in development to generate them)")
	}
	if err := p.Store.MigrateUp(ctx); err != nil {
		return err
	}
	artist := models.NewID()
	if err := seedFollowers(ctx, p, artist, n); err != nil {
		return err
	}
	if err := seedMembers(ctx, p, artist, push.URL); err != nil {
		return err
	}
	now := time.Now().UTC()
	item := &models.Content{ID: models.NewID(), ArtistID: artist, Kind: models.ContentTrack, Title: "Benchmark",
		DurationSeconds: 180, MinTier: models.TierFollower, CreatedAt: now, UpdatedAt: now}
	if err := p.Store.CreateContent(ctx, item); err != nil {
		return err
	}
	// Registered before the release starts (Run registers them too, beside it).
	if err := temporalx.RegisterSearchAttributes(ctx, p.Temporal, cfg.TemporalNamespace, worker.SearchAttributes()); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx, nil, true) }()
	defer func() { stop(); <-done }()

	releases := workflows.ReleaseClient{Conn: workflows.Conn{Client: p.Temporal, TaskQueue: cfg.TemporalTaskQueue}}
	scale := fmt.Sprintf("broadcast_members_%dk", n/1000)
	for i, phase := range []struct {
		name  string
		phase models.ReleasePhase
		tier  models.Tier // whose window opens
		page  func(after string) ([]store.Recipient, error)
	}{
		{"superfan", models.ReleaseEarlySuperfan, models.TierSuperfan, func(after string) ([]store.Recipient, error) {
			return p.Store.MemberPage(ctx, artist, []models.Tier{models.TierSuperfan}, after, 1000)
		}},
		{"supporter", models.ReleaseEarlySupporter, models.TierSupporter, func(after string) ([]store.Recipient, error) {
			return p.Store.MemberPage(ctx, artist, []models.Tier{models.TierSupporter}, after, 1000)
		}},
		{"non_members", models.ReleasePublic, models.TierFollower, func(after string) ([]store.Recipient, error) {
			return p.Store.NonMemberPage(ctx, artist, after, 1000)
		}},
	} {
		count, last, err := audienceSize(phase.page)
		if err != nil {
			return err
		}
		sg.requests.Store(0)
		push.requests.Store(0)
		spec, _ := models.Spec(phase.tier)
		opens := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
		r := models.Release{ContentID: item.ID, ArtistID: artist, Title: item.Title, PublicAt: opens.Add(spec.EarlyAccess)}
		if i == 0 {
			_, err = releases.Schedule(ctx, r, time.Now())
		} else {
			_, err = releases.Reschedule(ctx, item.ID, r.PublicAt)
		}
		if err != nil {
			return err
		}
		id, err := announced(ctx, releases, item.ID, phase.phase)
		if err != nil {
			return err
		}
		lastRow, err := awaitRow(ctx, p.Store, id, last)
		if err != nil {
			return err
		}
		var prog models.BroadcastProgress
		if err := p.Temporal.GetWorkflow(ctx, workflows.BroadcastID(id), "").Get(ctx, &prog); err != nil {
			return err
		}
		name := scale + "_" + phase.name
		fmt.Fprintf(out, "BENCH %s_recipients %d users\n", name, prog.Recipients)
		fmt.Fprintf(out, "BENCH %s_seconds_last_row %.2f s\n", name, lastRow.Sub(opens).Seconds())
		fmt.Fprintf(out, "BENCH %s_seconds_done %.2f s\n", name, time.Since(opens).Seconds())
		fmt.Fprintf(out, "BENCH %s_sendgrid_requests %d requests\n", name, sg.requests.Load())
		if sg.requests.Load() > 0 {
			fmt.Fprintf(out, "BENCH %s_seconds_last_sendgrid %.2f s\n", name, time.Duration(sg.last.Load()-opens.UnixNano()).Seconds())
		}
		fmt.Fprintf(out, "BENCH %s_web_pushes %d pushes\n", name, push.requests.Load())
		if push.requests.Load() > 0 {
			fmt.Fprintf(out, "BENCH %s_seconds_last_push %.2f s\n", name, time.Duration(push.last.Load()-opens.UnixNano()).Seconds())
		}
		if prog.Recipients != count {
			return fmt.Errorf("%s: %d recipients, the audience has %d", phase.name, prog.Recipients, count)
		}
	}
	return nil
}

// announced waits until the release has announced phase and returns the
// id of the broadcast that carries it.
func announced(ctx context.Context, releases workflows.ReleaseClient, contentID uuid.UUID, phase models.ReleasePhase) (string, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := releases.State(ctx, contentID)
		if err != nil {
			return "", err
		}
		for _, a := range st.Announced {
			if a.Phase == phase {
				return a.BroadcastID, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
	}
}

// counter is a local service that answers status to every request and
// counts them, and when the last came.
type counter struct {
	*httptest.Server
	requests, last atomic.Int64
}

func newCounter(status int) *counter {
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c.requests.Add(1)
		c.last.Store(time.Now().UnixNano())
		w.WriteHeader(status)
	}))
	return c
}

// seedMembers makes a tenth of the artist's followers active superfans,
// each with a browser subscribed at pushURL, and two tenths supporters.
func seedMembers(ctx context.Context, p *app.Platform, artist uuid.UUID, pushURL string) error {
	db := p.Store.DB(ctx)
	now := time.Now().UTC()
	if err := db.Exec(`INSERT INTO subscriptions (artist_id, fan_id, workflow_id, tier, status, member_since, period,
			period_start, period_end, price_cents, currency, created_at, updated_at)
		SELECT f.artist_id, f.user_id, 'bench', CASE WHEN f.rn % 10 = 0 THEN 'superfan' ELSE 'supporter' END, 'active', ?, 1,
			?, ?, 500, 'usd', ?, ?
		FROM (SELECT artist_id, user_id, row_number() OVER (ORDER BY user_id) AS rn FROM follows WHERE artist_id = ?) f
		WHERE f.rn % 10 < 3`, now, now, now.AddDate(0, 1, 0), now, now, artist).Error; err != nil {
		return err
	}
	key, err := ecdh.P256().GenerateKey(rand.Reader) // one browser key for all: the push service does not decrypt
	if err != nil {
		return err
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	if err := db.Exec(`INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
		SELECT gen_random_uuid(), fan_id, ? || fan_id, ?, ?, ? FROM subscriptions WHERE artist_id = ? AND tier = 'superfan'`,
		pushURL+"/", base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(auth), now, artist).Error; err != nil {
		return err
	}
	return db.Exec(`ANALYZE subscriptions, push_subscriptions`).Error
}

// audienceSize walks an audience's pages (the broadcast's own queries)
// and returns how many it holds and the last one, whose row is written last.
func audienceSize(page func(after string) ([]store.Recipient, error)) (int, uuid.UUID, error) {
	n, last := 0, uuid.Nil
	for after := ""; ; {
		rs, err := page(after)
		if err != nil || len(rs) == 0 {
			return n, last, err
		}
		n, last, after = n+len(rs), rs[len(rs)-1].UserID, rs[len(rs)-1].UserID.String()
	}
}

// awaitRow returns when the broadcast's row for user appears.
func awaitRow(ctx context.Context, st *store.Store, broadcastID string, user uuid.UUID) (time.Time, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int64
		if err := st.DB(ctx).Model(&models.Notification{}).Where("user_id = ? AND broadcast_id = ?", user, broadcastID).Count(&n).Error; err != nil {
			return time.Time{}, err
		}
		if n > 0 {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-tick.C:
		}
	}
}
