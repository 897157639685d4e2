package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// dmClub is an artist with members, on an app.
type dmClub struct {
	app    *testenv.App
	artist testenv.Session
}

func newClub(t *testing.T, opts ...testenv.Option) *dmClub {
	app := testenv.StartApp(t, opts...)
	return &dmClub{app: app, artist: app.Register(t, "artist", "Nova")}
}

// member registers a fan holding tier in the dmClub ("" for none).
func (c *dmClub) member(t *testing.T, name string, tier models.Tier) testenv.Session {
	fan := c.app.Register(t, "fan", name)
	if tier != "" {
		r := c.app.Do(t, http.MethodPost, "/api/artists/"+c.artist.User.ID+"/subscription", fan.AccessToken, map[string]any{"tier": tier})
		require.Equal(t, 201, r.Status, string(r.Body))
	}
	return fan
}

type conversation struct {
	ID          string `json:"id"`
	UnreadCount int    `json:"unread_count"`
	Pinned      bool   `json:"pinned"`
	Archived    bool   `json:"archived"`
	Blocked     bool   `json:"blocked"`
	Other       struct {
		ID string `json:"id"`
	} `json:"other"`
	LastMessage *message `json:"last_message"`
}

type message struct {
	ID          string `json:"id"`
	Body        string `json:"body"`
	Deleted     bool   `json:"deleted"`
	Counted     bool   `json:"counted"`
	SenderID    string `json:"sender_id"`
	Attachments []struct {
		ID, URL     string
		ContentType string `json:"content_type"`
	} `json:"attachments"`
	Reactions []struct {
		Emoji string
		Count int
		Mine  bool
	} `json:"reactions"`
}

func (c *dmClub) open(t *testing.T, token, with string) (int, conversation) {
	r := c.app.Do(t, http.MethodPost, "/api/messages/conversations", token, map[string]any{"user_id": with})
	var conv conversation
	if r.Status < 300 {
		r.Decode(t, &conv)
	}
	return r.Status, conv
}

func (c *dmClub) send(t *testing.T, token, conv, body string) testenv.Response {
	return c.app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv+"/messages", token, map[string]any{"body": body})
}

type quota struct {
	Used, Limit int
	PeriodEnd   *time.Time `json:"period_end"`
}

func (c *dmClub) quota(t *testing.T, token string) quota {
	var q quota
	c.app.Do(t, http.MethodGet, "/api/messages/quota/"+c.artist.User.ID, token, nil).Decode(t, &q)
	return q
}

// A superfan's 6th message in a period is refused with the reset time;
// once the membership workflow's activity opens the next period, the fan
// writes again. Replies to the artist are free.
func TestDirectMessagesFollowTheMembershipQuota(t *testing.T) {
	c := newClub(t)
	app := c.app
	superfan, supporter, stranger := c.member(t, "Kai", models.TierSuperfan), c.member(t, "Sam", models.TierSupporter), c.member(t, "Xan", "")
	other := app.Register(t, "artist", "Other")

	status, conv := c.open(t, superfan.AccessToken, c.artist.User.ID)
	require.Equal(t, 201, status)
	status, again := c.open(t, superfan.AccessToken, c.artist.User.ID)
	require.Equal(t, 200, status, "one conversation per pair")
	require.Equal(t, conv.ID, again.ID)
	for name, tc := range map[string]struct {
		token, with string
	}{
		"supporter to artist": {supporter.AccessToken, c.artist.User.ID},
		"stranger to artist":  {stranger.AccessToken, c.artist.User.ID},
		"artist to stranger":  {c.artist.AccessToken, stranger.User.ID},
		"fan to fan":          {superfan.AccessToken, stranger.User.ID},
		"artist to artist":    {c.artist.AccessToken, other.User.ID},
	} {
		status, _ := c.open(t, tc.token, tc.with)
		require.Equal(t, 403, status, name)
	}
	status, _ = c.open(t, c.artist.AccessToken, supporter.User.ID)
	require.Equal(t, 201, status, "the artist writes to any member")

	for i := range 5 {
		r := c.send(t, superfan.AccessToken, conv.ID, fmt.Sprintf("message %d", i))
		require.Equal(t, 201, r.Status, string(r.Body))
		var m message
		r.Decode(t, &m)
		require.True(t, m.Counted)
	}
	q := c.quota(t, superfan.AccessToken)
	require.Equal(t, 5, q.Used)
	require.Equal(t, 5, q.Limit)
	r := c.send(t, superfan.AccessToken, conv.ID, "message 6")
	require.Equal(t, 429, r.Status)
	require.Equal(t, "quota_exceeded", r.ErrorCode(t))
	var e struct {
		Error struct {
			RetryAt time.Time `json:"retry_at"`
		}
	}
	r.Decode(t, &e)
	require.True(t, e.Error.RetryAt.Equal(*q.PeriodEnd), "the reset time")
	require.NotEmpty(t, r.Header.Get("Retry-After"))

	require.Equal(t, 201, c.send(t, c.artist.AccessToken, conv.ID, "Thanks for all the messages!").Status, "the artist has no limit")
	r = c.send(t, superfan.AccessToken, conv.ID, "You're welcome")
	require.Equal(t, 201, r.Status, "a reply to the artist is free")
	var reply message
	r.Decode(t, &reply)
	require.False(t, reply.Counted)
	require.Equal(t, 429, c.send(t, superfan.AccessToken, conv.ID, "One more thing").Status, "but only one")

	// The next period, opened as the workflow opens it at renewal.
	ctx := context.Background()
	sub, err := app.Platform.Store.Membership(ctx, mustUUID(t, c.artist.User.ID), mustUUID(t, superfan.User.ID))
	require.NoError(t, err)
	next := *sub
	next.Period, next.PeriodStart, next.PeriodEnd = 2, sub.PeriodEnd, sub.PeriodEnd.AddDate(0, 1, 0)
	renewal := &activities.Membership{Store: app.Platform.Store, Now: time.Now}
	require.NoError(t, renewal.Record(ctx, next, 5, nil))
	later := sub.PeriodEnd.Add(time.Hour)
	app.Platform.Auth.Now = func() time.Time { return later }
	r = c.send(t, superfan.AccessToken, conv.ID, "A new month")
	require.Equal(t, 201, r.Status, string(r.Body))
	require.Equal(t, 1, c.quota(t, superfan.AccessToken).Used)
}

// 100 concurrent sends with 5 left: exactly 5 are accepted.
func TestConcurrentSendsTakeExactlyWhatIsLeft(t *testing.T) {
	for name, db := range map[string]testenv.Option{"postgres": testenv.WithConfig(func(*config.Config) {}), "sqlite": testenv.WithSQLite()} {
		t.Run(name, func(t *testing.T) { concurrentSends(t, db) })
	}
}

func concurrentSends(t *testing.T, db testenv.Option) {
	c := newClub(t, db, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 0 }))
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	codes, errs := make([]int, 100), make([]error, 100)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			r, err := c.app.Call(http.MethodPost, "/api/messages/conversations/"+conv.ID+"/messages", fan.AccessToken, map[string]any{"body": fmt.Sprintf("concurrent %d", i)})
			codes[i], errs[i] = r.Status, err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	count := map[int]int{}
	for _, s := range codes {
		count[s]++
	}
	require.Equal(t, map[int]int{201: 5, 429: 95}, count)
	require.Equal(t, 5, c.quota(t, fan.AccessToken).Used)
	var list struct{ Items []message }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations/"+conv.ID+"/messages?limit=100", fan.AccessToken, nil).Decode(t, &list)
	require.Len(t, list.Items, 5, "nothing half-written")
}

// An upgrade from supporter to superfan opens DMs at once.
func TestUpgradeEnablesDirectMessagesAtOnce(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Sam", models.TierSupporter)
	status, _ := c.open(t, fan.AccessToken, c.artist.User.ID)
	require.Equal(t, 403, status)
	require.Equal(t, 0, c.quota(t, fan.AccessToken).Limit)
	r := c.app.Do(t, http.MethodPatch, "/api/artists/"+c.artist.User.ID+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan"})
	require.Equal(t, 200, r.Status, string(r.Body))
	status, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	require.Equal(t, 201, status)
	require.Equal(t, 201, c.send(t, fan.AccessToken, conv.ID, "Hello!").Status)
	q := c.quota(t, fan.AccessToken)
	require.Equal(t, 1, q.Used)
	require.Equal(t, 5, q.Limit)
}

// Messages, reactions, deletions and read receipts reach the other
// member's socket; an offline recipient is notified, grouped per
// conversation.
func TestMessagesInRealTime(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	room := "conversation:" + conv.ID

	// Offline: one notification for the conversation until it is read.
	for _, body := range []string{"first", "second"} {
		require.Equal(t, 201, c.send(t, fan.AccessToken, conv.ID, body).Status)
	}
	var inbox struct {
		Items []struct {
			GroupKey string `json:"group_key"`
			Count    int
		}
	}
	require.Eventually(t, func() bool {
		err := c.app.Fetch(http.MethodGet, "/api/notifications?grouped=true", c.artist.AccessToken, nil, &inbox)
		return err == nil && len(inbox.Items) == 1
	}, 5*time.Second, 50*time.Millisecond)
	require.Equal(t, 1, inbox.Items[0].Count, "not one per message")
	require.Equal(t, room, inbox.Items[0].GroupKey)

	artistWS, fanWS := c.app.Dial(t, c.artist.AccessToken), c.app.Dial(t, fan.AccessToken)
	require.Equal(t, true, artistWS.Request("join_room", room, nil)["ok"])
	require.Equal(t, true, fanWS.Request("join_room", room, nil)["ok"])
	stranger := c.member(t, "Xan", models.TierSuperfan)
	require.Equal(t, "not_found", testenv.ErrorCode(c.app.Dial(t, stranger.AccessToken).Request("join_room", room, nil)))

	r := c.send(t, fan.AccessToken, conv.ID, "live")
	var m message
	r.Decode(t, &m)
	ev := artistWS.AwaitIn("message:new", room)
	require.Equal(t, m.ID, ev["data"].(map[string]any)["id"])

	r = c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/reactions", c.artist.AccessToken, map[string]any{"emoji": "🔥"})
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "🔥", fanWS.AwaitIn("message:reaction", room)["data"].(map[string]any)["emoji"])
	r = c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, c.artist.AccessToken, map[string]any{"read_up_to": m.ID})
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, m.ID, fanWS.AwaitIn("message:read", room)["data"].(map[string]any)["message_id"])
	require.Equal(t, true, artistWS.Request("typing_start", room, nil)["ok"])
	fanWS.AwaitIn("typing_start", room)
	require.Equal(t, 200, c.app.Do(t, http.MethodDelete, "/api/messages/"+m.ID, fan.AccessToken, nil).Status)
	require.Equal(t, m.ID, artistWS.AwaitIn("message:deleted", room)["data"].(map[string]any)["id"])
	var list struct{ Items []message }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations/"+conv.ID+"/messages", c.artist.AccessToken, nil).Decode(t, &list)
	require.True(t, list.Items[0].Deleted)
	require.Empty(t, list.Items[0].Body, "a deleted message shows as deleted")
}

// Blocking stops delivery both ways, and presence.
func TestBlockStopsDeliveryBothWays(t *testing.T) {
	c := newClub(t)
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	room := "conversation:" + conv.ID
	c.app.Dial(t, fan.AccessToken) // online
	online := func() (bool, error) {
		var p struct{ Online map[string]bool }
		err := c.app.Fetch(http.MethodGet, "/api/presence?users="+fan.User.ID, c.artist.AccessToken, nil, &p)
		return p.Online[fan.User.ID], err
	}
	require.Eventually(t, func() bool { on, err := online(); return err == nil && on }, 5*time.Second, 50*time.Millisecond)

	r := c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, fan.AccessToken, map[string]any{"blocked": true})
	require.Equal(t, 200, r.Status)
	for _, token := range []string{fan.AccessToken, c.artist.AccessToken} {
		r := c.send(t, token, conv.ID, "after the block")
		require.Equal(t, 403, r.Status)
		require.Equal(t, "forbidden", r.ErrorCode(t))
	}
	on, err := online()
	require.NoError(t, err)
	require.False(t, on, "no presence across a block")
	require.Equal(t, "forbidden", testenv.ErrorCode(c.app.Dial(t, c.artist.AccessToken).Request("join_room", room, nil)))
	require.Equal(t, 0, c.quota(t, fan.AccessToken).Used, "nothing taken")

	c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, fan.AccessToken, map[string]any{"blocked": false})
	require.Equal(t, 201, c.send(t, c.artist.AccessToken, conv.ID, "welcome back").Status)
	on, err = online()
	require.NoError(t, err)
	require.True(t, on, "presence again once unblocked")
}

var xssCorpus = []string{
	`<script>alert(1)</script>hello`,
	`<img src=x onerror=alert(1)>hi`,
	`<a href="javascript:alert(1)">click</a>`,
	`<svg/onload=alert(1)>svg`,
	`"><iframe src=//evil.example>x`,
	`<body onload=alert(1)>b`,
	`<<script>script>alert(1)<</script>/script>`,
	`<div style="background:url(javascript:alert(1))">d</div>`,
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`plain text with 3 < 5 and 6 > 2`,
}

// Stored sanitized, served inert: no tag survives.
func TestXSSCorpusComesBackInert(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 0 }))
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, c.artist.AccessToken, fan.User.ID)
	sent := 0
	for _, payload := range xssCorpus {
		r := c.send(t, c.artist.AccessToken, conv.ID, payload)
		if r.Status == 400 { // nothing left once the markup is gone
			continue
		}
		require.Equal(t, 201, r.Status, string(r.Body))
		sent++
	}
	var list struct{ Items []message }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations/"+conv.ID+"/messages?limit=100", fan.AccessToken, nil).Decode(t, &list)
	require.Len(t, list.Items, sent)
	require.Greater(t, sent, 5)
	for _, m := range list.Items {
		require.NotContains(t, m.Body, "<", "no tag can open")
		require.NotContains(t, m.Body, ">")
	}
	require.Equal(t, "hello", list.Items[len(list.Items)-1].Body)
}

// Bad input: each a clear 4xx, nothing written.
func TestMessagingBadInput(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 0; cfg.AttachmentMaxBytes = 4096 }))
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	path := "/api/messages/conversations/" + conv.ID + "/messages"
	for name, tc := range map[string]struct {
		body   any
		status int
		code   string
	}{
		"empty":             {map[string]any{"body": ""}, 400, "invalid"},
		"blank":             {map[string]any{"body": "   \n "}, 400, "invalid"},
		"only markup":       {map[string]any{"body": "<script>x</script>"}, 400, "invalid"},
		"oversized":         {map[string]any{"body": strings.Repeat("a", 4001)}, 400, "invalid"},
		"too many links":    {map[string]any{"body": "a.com b.com https://c.example d.org"}, 400, "invalid"},
		"forged attachment": {map[string]any{"body": "see", "attachments": []string{models.NewID().String()}}, 400, "invalid"},
		"bad attachment id": {map[string]any{"body": "see", "attachments": []string{"nope"}}, 400, "invalid"},
		"unknown field":     {map[string]any{"body": "x", "admin": true}, 400, "invalid"},
	} {
		r := c.app.Do(t, http.MethodPost, path, fan.AccessToken, tc.body)
		require.Equal(t, tc.status, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, tc.code, r.ErrorCode(t), name)
	}
	require.Equal(t, 0, c.quota(t, fan.AccessToken).Used, "nothing taken")
	r := c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv.ID, fan.AccessToken,
		map[string]any{"pinned": true, "read_up_to": models.NewID().String()})
	require.Equal(t, 400, r.Status, "a message of no such conversation")
	var convs struct{ Items []conversation }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations", fan.AccessToken, nil).Decode(t, &convs)
	require.False(t, convs.Items[0].Pinned, "nothing half-written")
	require.Equal(t, 404, c.send(t, fan.AccessToken, models.NewID().String(), "x").Status, "unknown conversation")
	require.Equal(t, 404, c.send(t, fan.AccessToken, "not-an-id", "x").Status)

	require.Equal(t, 201, c.send(t, fan.AccessToken, conv.ID, "Same text").Status)
	dup := c.send(t, fan.AccessToken, conv.ID, "same   TEXT")
	require.Equal(t, 409, dup.Status, "a duplicate")
	require.Equal(t, 1, c.quota(t, fan.AccessToken).Used)

	// Idempotent retries cost nothing.
	for range 2 {
		r := c.app.Do(t, http.MethodPost, path, fan.AccessToken, map[string]any{"body": "retry me", "idempotency_key": "k-1"})
		require.Contains(t, []int{200, 201}, r.Status)
	}
	require.Equal(t, 2, c.quota(t, fan.AccessToken).Used)

	// Attachments: sniffed, limited.
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"), make([]byte, 64)...)
	up := c.app.Upload(t, fan.AccessToken, "photo.png", png)
	require.Equal(t, 201, up.Status, string(up.Body))
	var att struct{ ID, URL string }
	up.Decode(t, &att)
	fake := c.app.Upload(t, fan.AccessToken, "photo.png", []byte("#!/bin/sh\necho not an image\n"))
	require.Equal(t, 415, fake.Status, "the extension is not trusted")
	require.Equal(t, 413, c.app.Upload(t, fan.AccessToken, "big.png", append(png, make([]byte, 5000)...)).Status)
	stranger := c.member(t, "Xan", models.TierSuperfan)
	require.Equal(t, 404, c.app.Do(t, http.MethodGet, att.URL, stranger.AccessToken, nil).Status, "not sent yet: the uploader's only")
	r = c.app.Do(t, http.MethodPost, path, c.artist.AccessToken, map[string]any{"body": "mine?", "attachments": []string{att.ID}})
	require.Equal(t, 400, r.Status, "someone else's upload")
	r = c.app.Do(t, http.MethodPost, path, fan.AccessToken, map[string]any{"attachments": []string{att.ID}})
	require.Equal(t, 201, r.Status, string(r.Body))
	var m message
	r.Decode(t, &m)
	require.Len(t, m.Attachments, 1)
	require.Equal(t, "image/png", m.Attachments[0].ContentType)
	got := c.app.Do(t, http.MethodGet, att.URL, c.artist.AccessToken, nil)
	require.Equal(t, 200, got.Status)
	require.Equal(t, png, got.Body)
	require.Equal(t, "image/png", got.Header.Get("Content-Type"))
	require.Equal(t, 404, c.app.Do(t, http.MethodGet, att.URL, stranger.AccessToken, nil).Status, "members only")

	// Reactions and reports.
	require.Equal(t, 400, c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/reactions", c.artist.AccessToken, map[string]any{"emoji": "lol"}).Status)
	require.Equal(t, 400, c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/reactions", c.artist.AccessToken, map[string]any{"emoji": "<b>"}).Status)
	for range 2 {
		r = c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/reactions", c.artist.AccessToken, map[string]any{"emoji": "👍🏽"})
		require.Equal(t, 200, r.Status, string(r.Body))
	}
	r.Decode(t, &m)
	require.Len(t, m.Reactions, 1, "one of each kind per user")
	require.Equal(t, 1, m.Reactions[0].Count)
	require.Equal(t, 400, c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/report", fan.AccessToken, map[string]any{"reason": "my own"}).Status)
	var reports [2]struct{ ID, Status string }
	for i, reason := range []string{"spam", "spam again"} {
		r := c.app.Do(t, http.MethodPost, "/api/messages/"+m.ID+"/report", c.artist.AccessToken, map[string]any{"reason": reason})
		require.Equal(t, 201, r.Status, string(r.Body))
		r.Decode(t, &reports[i])
	}
	require.Equal(t, "open", reports[0].Status)
	require.Equal(t, reports[0], reports[1], "a second report answers the first one")
	queue := testenv.Rows[models.MessageReport](t, c.app.Platform.Store, "created_at", "message_id = ?", m.ID)
	require.Len(t, queue, 1, "one report per reporter in the moderation queue")
	require.Equal(t, reports[0].ID, queue[0].ID.String())
	require.Equal(t, "spam", queue[0].Reason, "the first reason is kept")
}

// Every route with three users: the two members and an outsider. The
// outsider gets 404, so ids do not leak.
func TestMessagingAuthorizationMatrix(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 0 }))
	fan, outsider := c.member(t, "Kai", models.TierSuperfan), c.member(t, "Xan", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	var m message
	c.send(t, fan.AccessToken, conv.ID, "hello").Decode(t, &m)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	var att struct{ ID, URL string }
	c.app.Upload(t, fan.AccessToken, "a.png", png).Decode(t, &att)
	var m2 message
	c.app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv.ID+"/messages", fan.AccessToken,
		map[string]any{"body": "with file", "attachments": []string{att.ID}}).Decode(t, &m2)
	conversationPath, messagePath := "/api/messages/conversations/"+conv.ID, "/api/messages/"+m.ID
	type call struct {
		method, path string
		body         any
	}
	calls := map[string]call{
		"read messages":    {http.MethodGet, conversationPath + "/messages", nil},
		"post message":     {http.MethodPost, conversationPath + "/messages", map[string]any{"body": "intrusion"}},
		"manage":           {http.MethodPatch, conversationPath, map[string]any{"pinned": true}},
		"react":            {http.MethodPost, messagePath + "/reactions", map[string]any{"emoji": "👍"}},
		"unreact":          {http.MethodDelete, messagePath + "/reactions?emoji=%F0%9F%91%8D", nil},
		"report":           {http.MethodPost, messagePath + "/report", map[string]any{"reason": "spam"}},
		"delete":           {http.MethodDelete, messagePath, nil},
		"fetch attachment": {http.MethodGet, att.URL, nil},
	}
	want := map[string]map[string]int{ // caller → call → status
		"outsider": {"read messages": 404, "post message": 404, "manage": 404, "react": 404, "unreact": 404, "report": 404, "delete": 404, "fetch attachment": 404},
		"artist":   {"read messages": 200, "post message": 201, "manage": 200, "react": 200, "unreact": 200, "report": 201, "delete": 403, "fetch attachment": 200},
		"fan":      {"read messages": 200, "manage": 200, "react": 200, "unreact": 200, "report": 400, "delete": 200, "fetch attachment": 200},
	}
	tokens := map[string]string{"outsider": outsider.AccessToken, "artist": c.artist.AccessToken, "fan": fan.AccessToken}
	for _, who := range []string{"outsider", "artist", "fan"} {
		for _, name := range []string{"read messages", "post message", "manage", "react", "unreact", "report", "fetch attachment", "delete"} {
			status, ok := want[who][name]
			if !ok {
				continue
			}
			call := calls[name]
			r := c.app.Do(t, call.method, call.path, tokens[who], call.body)
			require.Equal(t, status, r.Status, "%s %s: %s", who, name, r.Body)
		}
	}
	for _, path := range []string{"/api/messages/conversations", conversationPath + "/messages", "/api/messages/quota/" + c.artist.User.ID} {
		require.Equal(t, 401, c.app.Do(t, http.MethodGet, path, "", nil).Status, path)
	}
	var list struct{ Items []conversation }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations", outsider.AccessToken, nil).Decode(t, &list)
	require.Empty(t, list.Items, "an outsider lists none of it")
	c.app.Do(t, http.MethodGet, "/api/messages/conversations", c.artist.AccessToken, nil).Decode(t, &list)
	require.Len(t, list.Items, 1)
	require.True(t, list.Items[0].Pinned)
	require.Equal(t, fan.User.ID, list.Items[0].Other.ID)
}

// Conversation lists: pinned first, then by activity; archive and unread
// filters; pages.
func TestConversationList(t *testing.T) {
	for name, db := range map[string]testenv.Option{"postgres": testenv.WithConfig(func(*config.Config) {}), "sqlite": testenv.WithSQLite()} {
		t.Run(name, func(t *testing.T) { conversationList(t, db) })
	}
}

func conversationList(t *testing.T, db testenv.Option) {
	c := newClub(t, db, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 0 }))
	var convs []conversation
	var fans []testenv.Session
	for i := range 3 {
		fan := c.member(t, fmt.Sprintf("Fan %d", i), models.TierSuperfan)
		_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
		require.Equal(t, 201, c.send(t, fan.AccessToken, conv.ID, "hi").Status)
		convs, fans = append(convs, conv), append(fans, fan)
	}
	list := func(query string) []string {
		var out struct {
			Items      []conversation
			NextCursor string `json:"next_cursor"`
		}
		c.app.Do(t, http.MethodGet, "/api/messages/conversations"+query, c.artist.AccessToken, nil).Decode(t, &out)
		ids := []string{}
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	require.Equal(t, []string{convs[2].ID, convs[1].ID, convs[0].ID}, list(""), "newest activity first")
	patch := func(conv string, body map[string]any) {
		r := c.app.Do(t, http.MethodPatch, "/api/messages/conversations/"+conv, c.artist.AccessToken, body)
		require.Equal(t, 200, r.Status, string(r.Body))
	}
	patch(convs[0].ID, map[string]any{"pinned": true})
	patch(convs[1].ID, map[string]any{"archived": true})
	require.Equal(t, []string{convs[0].ID, convs[2].ID}, list(""), "pinned first; archived apart")
	require.Equal(t, []string{convs[1].ID}, list("?archived=true"))
	var last struct{ Items []message }
	c.app.Do(t, http.MethodGet, "/api/messages/conversations/"+convs[2].ID+"/messages", c.artist.AccessToken, nil).Decode(t, &last)
	patch(convs[2].ID, map[string]any{"read_up_to": last.Items[0].ID})
	require.Equal(t, []string{convs[0].ID}, list("?unread=true"))

	var page struct {
		Items      []conversation
		NextCursor string `json:"next_cursor"`
	}
	var paged []string
	for cursor := ""; ; {
		c.app.Do(t, http.MethodGet, "/api/messages/conversations?limit=1&cursor="+cursor, c.artist.AccessToken, nil).Decode(t, &page)
		for _, it := range page.Items {
			paged = append(paged, it.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	require.Equal(t, []string{convs[0].ID, convs[2].ID}, paged)
	require.Equal(t, 400, c.app.Do(t, http.MethodGet, "/api/messages/conversations?cursor=bogus", c.artist.AccessToken, nil).Status)

	require.Equal(t, 201, c.send(t, fans[1].AccessToken, convs[1].ID, "back again").Status)
	require.Equal(t, []string{convs[0].ID, convs[1].ID, convs[2].ID}, list(""), "a new message unarchives")

	// Message history pages both ways.
	for i := range 4 {
		require.Equal(t, 201, c.send(t, c.artist.AccessToken, convs[0].ID, fmt.Sprintf("reply %d", i)).Status)
	}
	var older, newer struct {
		Items      []message
		NextCursor string `json:"next_cursor"`
	}
	base := "/api/messages/conversations/" + convs[0].ID + "/messages"
	c.app.Do(t, http.MethodGet, base+"?limit=2", c.artist.AccessToken, nil).Decode(t, &older)
	require.Equal(t, []string{"reply 3", "reply 2"}, []string{older.Items[0].Body, older.Items[1].Body})
	c.app.Do(t, http.MethodGet, base+"?limit=2&before="+older.NextCursor, c.artist.AccessToken, nil).Decode(t, &older)
	require.Equal(t, []string{"reply 1", "reply 0"}, []string{older.Items[0].Body, older.Items[1].Body})
	c.app.Do(t, http.MethodGet, base+"?limit=2&after="+older.Items[1].ID, c.artist.AccessToken, nil).Decode(t, &newer)
	require.Equal(t, []string{"reply 1", "reply 2"}, []string{newer.Items[0].Body, newer.Items[1].Body})
}

// MESSAGE_RATE_LIMIT sends a minute per user, then 429.
func TestSendRateLimitPerUser(t *testing.T) {
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) { cfg.MessageRateLimit = 3 }))
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, c.artist.AccessToken, fan.User.ID)
	for i := range 3 {
		require.Equal(t, 201, c.send(t, c.artist.AccessToken, conv.ID, fmt.Sprintf("n%d", i)).Status)
	}
	r := c.send(t, c.artist.AccessToken, conv.ID, "one too many")
	require.Equal(t, 429, r.Status)
	require.Equal(t, "rate_limited", r.ErrorCode(t))
	require.Equal(t, 201, c.send(t, fan.AccessToken, conv.ID, "another user has their own limit").Status)
}
