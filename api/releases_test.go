package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// mailsTo counts the messages at the fake SendGrid to email whose subject
// starts with prefix.
func (f *fakeSendGrid) mailsTo(email, prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.sent {
		subject, _ := m["subject"].(string)
		ps, _ := m["personalizations"].([]any)
		for _, p := range ps {
			p, _ := p.(map[string]any)
			if s, ok := p["subject"].(string); ok {
				subject = s
			}
			to, _ := p["to"].([]any)
			for _, r := range to {
				if r, _ := r.(map[string]any); r["email"] == email && strings.HasPrefix(subject, prefix) {
					n++
				}
			}
		}
	}
	return n
}

// The end to end on the dev server: a release whose superfan
// window opens a few seconds after it is scheduled. Before then nobody but
// the artist plays it; after it the superfan does, and gets the
// notification over the socket and one email, while the supporter and the
// follower still get 403 with the time their windows open.
func TestReleaseOpensToSuperfansFirst(t *testing.T) {
	t.Parallel()
	fake := &fakeSendGrid{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := newContentClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.SendGridAPIKey, cfg.SendGridURL = "SG.test-key", srv.URL }))
	superfan, supporter, follower := c.callers["superfan"], c.callers["supporter"], c.callers["follower"]
	var me struct{ Email string }
	require.NoError(t, c.app.Fetch(http.MethodGet, "/api/me", superfan, nil, &me))
	for _, tok := range []string{superfan, supporter} { // mail at once, no digest
		require.Equal(t, http.StatusOK, c.app.Do(t, http.MethodPut, "/api/notifications/preferences", tok, map[string]any{"digest_minutes": 0}).Status)
	}
	ws := c.app.Dial(t, superfan)

	at := time.Now().UTC().Add(48*time.Hour + 4*time.Second).Truncate(time.Millisecond)
	item := c.create(t, map[string]any{"kind": "track", "title": "Night Drive", "duration_seconds": 200, "public_at": at})
	play := func(tok string) int {
		return c.app.Do(t, http.MethodPost, "/api/content/"+item.ID+"/plays", tok, map[string]any{"position_seconds": 10, "seconds_listened": 1}).Status
	}
	locked := func(tok string) time.Time {
		t.Helper()
		r := c.app.Do(t, http.MethodGet, "/api/content/"+item.ID, tok, nil)
		require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
		var e lockedError
		r.Decode(t, &e)
		require.NotNil(t, e.Error.AvailableAt)
		return *e.Error.AvailableAt
	}
	require.Equal(t, at.Add(-48*time.Hour), locked(superfan), "not yet")
	require.Equal(t, http.StatusForbidden, play(superfan))
	require.Equal(t, http.StatusCreated, play(c.artist.AccessToken), "the artist plays it before anyone")

	require.Eventually(t, func() bool {
		r, err := c.app.Call(http.MethodGet, "/api/content/"+item.ID, superfan, nil)
		return err == nil && r.Status == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "the superfan window opens on the api's clock")
	require.Equal(t, http.StatusCreated, play(superfan))
	n := ws.Await("notification")["data"].(map[string]any)
	require.Equal(t, "Early access: Night Drive", n["title"])
	require.Equal(t, "release", n["category"])

	// Once the superfans' broadcast is done, the superfan was mailed once
	// and nobody else was told.
	releases := workflows.ReleaseClient{Conn: workflows.Conn{Client: c.app.Platform.Temporal, TaskQueue: c.app.Platform.Config.TemporalTaskQueue}}
	st, err := releases.State(t.Context(), uuid.MustParse(item.ID))
	require.NoError(t, err)
	require.Equal(t, models.ReleaseEarlySuperfan, st.Phase)
	require.Len(t, st.Announced, 1)
	broadcasts := workflows.BroadcastClient{Conn: releases.Conn}
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		p, err := broadcasts.Progress(t.Context(), st.Announced[0].BroadcastID)
		assert.NoError(ct, err)
		assert.True(ct, p.Done)
		assert.Equal(ct, 1, p.Recipients)
		assert.Equal(ct, 1, fake.mailsTo(me.Email, "Early access: Night Drive"))
	}, time.Minute, 100*time.Millisecond)
	require.Equal(t, at.Add(-24*time.Hour), locked(supporter))
	require.Equal(t, at, locked(follower))
	for _, tok := range []string{supporter, follower} {
		var inbox inboxPage
		require.NoError(t, c.app.Fetch(http.MethodGet, "/api/notifications", tok, nil, &inbox))
		for _, row := range inbox.Items {
			require.NotContains(t, row.Title, "Night Drive")
		}
	}
	require.Equal(t, 1, fake.mailsTo(me.Email, "Early access: Night Drive"), "exactly once")
}

// The content routes drive the release: a PATCH moves it (a past time is
// refused with the release as it was), a DELETE cancels it, and an item
// above a window's tier is announced to nobody when that window opens.
func TestContentRoutesDriveTheRelease(t *testing.T) {
	t.Parallel()
	c := newContentClub(t)
	releases := workflows.ReleaseClient{Conn: workflows.Conn{Client: c.app.Platform.Temporal, TaskQueue: c.app.Platform.Config.TemporalTaskQueue}}
	at := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	item := c.create(t, map[string]any{"kind": "track", "title": "B-side", "duration_seconds": 90, "public_at": at})
	id := uuid.MustParse(item.ID)
	st, err := releases.State(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, at, st.PublicAt)
	require.Equal(t, models.ReleaseScheduled, st.Phase)

	patch := func(body map[string]any) testenv.Response {
		return c.app.Do(t, http.MethodPatch, c.path()+"/"+item.ID, c.artist.AccessToken, body)
	}
	r := patch(map[string]any{"public_at": time.Now().Add(-time.Minute)})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	later := at.Add(24 * time.Hour)
	require.Equal(t, http.StatusOK, patch(map[string]any{"public_at": later}).Status)
	st, err = releases.State(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, later, st.PublicAt, "moved; the refused time left it as it was")

	require.Equal(t, http.StatusNoContent, c.app.Do(t, http.MethodDelete, c.path()+"/"+item.ID, c.artist.AccessToken, nil).Status)
	st, err = releases.State(t.Context(), id)
	require.NoError(t, err)
	require.True(t, st.Cancelled)

	// Superfan-only, 24 h and 3 s ahead: the superfan window is open at
	// once, and the supporter window, opening 3 s later, tells nobody.
	only := c.create(t, map[string]any{"kind": "track", "title": "Vault", "duration_seconds": 90, "min_tier": "superfan",
		"public_at": time.Now().UTC().Add(24*time.Hour + 3*time.Second)})
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		st, err := releases.State(t.Context(), uuid.MustParse(only.ID))
		assert.NoError(ct, err)
		if assert.Len(ct, st.Announced, 2) {
			assert.NotEmpty(ct, st.Announced[0].BroadcastID, "superfans are told")
			assert.Empty(ct, st.Announced[1].BroadcastID, "supporters may not open it: nobody is told")
		}
	}, 30*time.Second, 100*time.Millisecond)
}
