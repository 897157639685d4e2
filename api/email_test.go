package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
	"github.com/fanfare/fanfare/workflows"
)

// fakeSendGrid records v3 mail send requests, as SendGrid would accept them.
type fakeSendGrid struct {
	mu   sync.Mutex
	sent []map[string]any
}

func (f *fakeSendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" || r.Header.Get("Authorization") != "Bearer SG.test-key" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.sent = append(f.sent, m)
	f.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// startWithSendGrid starts an App whose mail goes to a fake SendGrid.
func startWithSendGrid(t *testing.T) (*testenv.App, *fakeSendGrid) {
	fake := &fakeSendGrid{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) {
		c.SendGridAPIKey, c.SendGridURL = "SG.test-key", srv.URL
	})), fake
}

func (f *fakeSendGrid) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// The end-to-end: ten notifications inside one digest window give
// ten in-app rows pushed over the socket at once and one digest email at
// SendGrid, sent by the inbox workflow on the real dev server.
func TestTenNotificationsMakeOneDigestEmail(t *testing.T) {
	t.Parallel()
	app, fake := startWithSendGrid(t)
	fan := app.Register(t, "fan", "Digest Reader")
	r := app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 1})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ws := app.Dial(t, fan.AccessToken)

	for i := range 10 {
		_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{
			UserID: uuid.MustParse(fan.User.ID), Category: "announcement", GroupKey: "artist:nova",
			Title: "News " + string(rune('A'+i)), Body: "Something happened",
		})
		require.NoError(t, err)
	}
	for range 10 {
		ws.Await("notification")
	}
	var unread struct{ Count int }
	app.Do(t, http.MethodGet, "/api/notifications/unread-count", fan.AccessToken, nil).Decode(t, &unread)
	require.Equal(t, 10, unread.Count)

	awaitInbox(t, app, fan.User.ID, models.ChannelEmail, 1) // one digest, and nothing left that could follow
	require.Equal(t, 1, fake.count(), "one digest, not ten emails")

	mail := fake.sent[0]
	require.Equal(t, "10 new notifications", mail["subject"])
	p := mail["personalizations"].([]any)[0].(map[string]any)
	require.Equal(t, fan.User.Email, p["to"].([]any)[0].(map[string]any)["email"])
	require.Equal(t, []any{"announcement"}, mail["categories"])
	headers := mail["headers"].(map[string]any)
	require.Equal(t, "List-Unsubscribe=One-Click", headers["List-Unsubscribe-Post"])
	require.Contains(t, headers["List-Unsubscribe"], "/api/notifications/unsubscribe?token=")
	body := mail["content"].([]any)[0].(map[string]any)["value"].(string)
	require.Equal(t, 10, strings.Count(body, "• News "))
	testenv.RecordHistory(t, app.Platform.Temporal, "inbox/"+fan.User.ID, "inbox_v1.json")
}

// Without a SendGrid key mail lands in the dev outbox; the one-click
// unsubscribe link works without login and stops the next mail.
func TestOutboxAndOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	app := testenv.StartApp(t)
	fan := app.Register(t, "fan", "Outbox Reader")
	r := app.Do(t, http.MethodPut, "/api/notifications/preferences", fan.AccessToken, map[string]any{"digest_minutes": 0})
	require.Equal(t, http.StatusOK, r.Status)
	send := func(title string) {
		_, err := app.Platform.Notify.Send(t.Context(), notify.Notification{
			UserID: uuid.MustParse(fan.User.ID), Category: "release", Title: title,
		})
		require.NoError(t, err)
	}
	type outbox struct {
		Items []struct {
			To, Subject string
			Headers     map[string]string
		}
	}
	read := func() (o outbox, err error) {
		return o, app.Fetch(http.MethodGet, "/api/dev/outbox", "", nil, &o)
	}
	send("New single out now")
	var box outbox
	require.Eventually(t, func() bool {
		var err error
		box, err = read()
		return err == nil && len(box.Items) == 1
	}, time.Minute, 100*time.Millisecond)
	m := box.Items[0]
	require.Equal(t, fan.User.Email, m.To)
	require.Equal(t, "New single out now", m.Subject)

	link, err := url.Parse(strings.Trim(m.Headers["List-Unsubscribe"], "<>"))
	require.NoError(t, err)
	forged := app.Do(t, http.MethodPost, "/api/notifications/unsubscribe?token="+fan.User.ID+".forged", "", nil)
	require.Equal(t, http.StatusBadRequest, forged.Status)
	require.Equal(t, "token", decodeField(t, forged))
	stale := *app.Platform.Mailer // a link mailed more than a year ago
	stale.Now = func() time.Time { return time.Now().AddDate(-1, 0, -1) }
	expired := app.Do(t, http.MethodPost, "/api/notifications/unsubscribe?token="+url.QueryEscape(stale.UnsubscribeToken(fan.User.ID)), "", nil)
	require.Equal(t, http.StatusBadRequest, expired.Status)
	require.Contains(t, string(expired.Body), "expired")
	ok := app.Do(t, http.MethodPost, link.Path+"?"+link.RawQuery, "", nil)
	require.Equal(t, http.StatusNoContent, ok.Status, string(ok.Body))

	var prefs struct {
		EmailUnsubscribed bool `json:"email_unsubscribed"`
	}
	app.Do(t, http.MethodGet, "/api/notifications/preferences", fan.AccessToken, nil).Decode(t, &prefs)
	require.True(t, prefs.EmailUnsubscribed)
	send("Another one")
	// Send handed the inbox whatever it would ever send before it returned:
	// no email is waiting there, and only the first one went out.
	awaitInbox(t, app, fan.User.ID, models.ChannelEmail, 1)
	box, err = read()
	require.NoError(t, err)
	require.Len(t, box.Items, 1)
}

// inboxState asks a user's inbox workflow for its state.
func inboxState(t *testing.T, app *testenv.App, userID string) workflows.InboxState {
	t.Helper()
	v, err := app.Platform.Temporal.QueryWorkflow(t.Context(), workflows.InboxID(userID), "", workflows.InboxQuery)
	require.NoError(t, err)
	var st workflows.InboxState
	require.NoError(t, v.Get(&st))
	return st
}

// awaitInbox waits until the user's inbox workflow has sent `sent` digests
// on ch and holds nothing more for it: from then on nothing else goes out
// on ch until a new notification is handed to it. The state query sees
// every signal already accepted, so this is no race with late mail.
func awaitInbox(t *testing.T, app *testenv.App, userID string, ch models.Channel, sent int) {
	t.Helper()
	var st workflows.InboxState
	require.Eventually(t, func() bool {
		st = workflows.InboxState{} // decoding into a used map would keep its keys
		v, err := app.Platform.Temporal.QueryWorkflow(t.Context(), workflows.InboxID(userID), "", workflows.InboxQuery)
		if err != nil || v.Get(&st) != nil {
			return false
		}
		for k := range st.Pending {
			if strings.HasPrefix(k, string(ch)+"|") {
				return false
			}
		}
		return len(st.Sent[ch]) >= sent
	}, 2*time.Minute, 100*time.Millisecond)
	require.Len(t, st.Sent[ch], sent, "digests sent on %s", ch)
}

// activityFailures joins the failure messages of the activities of a user's inbox.
func activityFailures(t *testing.T, app *testenv.App, userID string) string {
	t.Helper()
	iter := app.Platform.Temporal.GetWorkflowHistory(t.Context(), workflows.InboxID(userID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []string
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		for f := e.GetActivityTaskFailedEventAttributes().GetFailure(); f != nil; f = f.GetCause() {
			out = append(out, f.GetMessage())
		}
	}
	return strings.Join(out, "\n")
}
