package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Mailer sends digests by email: through SendGrid's v3 mail send when it
// has an API key, else into the local outbox (GET /api/dev/outbox).
type Mailer struct {
	Store     *store.Store
	APIKey    string
	Host      string // https://api.sendgrid.com, or a test server
	From      *mail.Email
	PublicURL string // where the one-click unsubscribe link points
	Secret    []byte // signs unsubscribe tokens (UNSUBSCRIBE_SECRET; not the JWT key)
	Now       func() time.Time
}

// Send implements activities.Sender for the email channel.
func (m *Mailer) Send(ctx context.Context, d models.Digest) error {
	userID, err := uuid.Parse(d.UserID)
	if err != nil {
		return err
	}
	u, err := m.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if sup, err := m.Store.Suppressed(ctx, []string{u.Email}); err != nil || sup[strings.ToLower(u.Email)] {
		return err // a suppressed address gets nothing, and that is no failure
	}
	subject, body := render(d)
	category := models.Categories[d.Items[0].Category]
	headers := map[string]string{}
	if !category.Transactional() {
		link := m.PublicURL + "/api/notifications/unsubscribe?token=" + url.QueryEscape(m.UnsubscribeToken(d.UserID))
		headers["List-Unsubscribe"] = "<" + link + ">"
		headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" // RFC 8058
	}
	if m.APIKey == "" {
		h, _ := json.Marshal(headers)
		err = m.Store.CreateOutboxEmail(ctx, &models.OutboxEmail{
			ID: models.NewID(), UserID: u.ID, ToEmail: u.Email, Subject: subject, Body: body,
			Categories: category.Name, Headers: string(h), CreatedAt: m.Now(),
		})
	} else {
		msg := mail.NewSingleEmail(m.From, subject, mail.NewEmail(u.DisplayName, u.Email), body, "")
		msg.AddCategories(category.Name)
		for k, v := range headers {
			msg.SetHeader(k, v)
		}
		err = m.post(ctx, msg)
	}
	if err != nil {
		return err
	}
	return m.Store.MarkEmailed(ctx, []uuid.UUID{u.ID}, m.Now())
}

// SendBatch mails one broadcast to many recipients: one SendGrid request
// with a personalization each (at most 1,000), suppressed addresses left
// out. It returns how many were mailed, and records when.
func (m *Mailer) SendBatch(ctx context.Context, to []store.Recipient, category, subject, body string) (int, error) {
	emails := make([]string, len(to))
	for i, r := range to {
		emails[i] = r.Email
	}
	sup, err := m.Store.Suppressed(ctx, emails)
	if err != nil {
		return 0, err
	}
	to = slices.DeleteFunc(slices.Clone(to), func(r store.Recipient) bool { return sup[strings.ToLower(r.Email)] })
	if len(to) == 0 {
		return 0, nil
	}
	unsubscribe := func(userID string) map[string]string {
		if models.Categories[category].Transactional() {
			return nil
		}
		link := m.PublicURL + "/api/notifications/unsubscribe?token=" + url.QueryEscape(m.UnsubscribeToken(userID))
		return map[string]string{"List-Unsubscribe": "<" + link + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	}
	ids := make([]uuid.UUID, len(to))
	for i, r := range to {
		ids[i] = r.UserID
	}
	if m.APIKey == "" {
		rows := make([]models.OutboxEmail, len(to))
		for i, r := range to {
			h, _ := json.Marshal(unsubscribe(r.UserID.String()))
			rows[i] = models.OutboxEmail{ID: models.NewID(), UserID: r.UserID, ToEmail: r.Email, Subject: subject,
				Body: body, Categories: category, Headers: string(h), CreatedAt: m.Now()}
		}
		err = m.Store.CreateOutboxEmails(ctx, rows)
	} else {
		msg := mail.NewV3Mail()
		msg.SetFrom(m.From)
		msg.Subject = subject
		msg.AddContent(mail.NewContent("text/plain", body))
		msg.AddCategories(category)
		for _, r := range to {
			p := mail.NewPersonalization()
			p.AddTos(mail.NewEmail(r.DisplayName, r.Email))
			for k, v := range unsubscribe(r.UserID.String()) {
				p.SetHeader(k, v)
			}
			msg.AddPersonalizations(p)
		}
		err = m.post(ctx, msg)
	}
	if err != nil {
		return 0, err
	}
	return len(to), m.Store.MarkEmailed(ctx, ids, m.Now())
}

// render writes a digest as one subject and a plain-text body.
func render(d models.Digest) (subject, body string) {
	if len(d.Items) == 1 {
		return d.Items[0].Title, d.Items[0].Body
	}
	var b strings.Builder
	for _, it := range d.Items {
		fmt.Fprintf(&b, "• %s\n", it.Title)
		if it.Body != "" {
			fmt.Fprintf(&b, "  %s\n", it.Body)
		}
	}
	return fmt.Sprintf("%d new notifications", len(d.Items)), b.String()
}

// unsubscribeTTL is how long an unsubscribe link works: mail is read,
// and unsubscribed from, long after it was sent.
const unsubscribeTTL = 365 * 24 * time.Hour

// UnsubscribeToken signs a user id and an expiry a year ahead for the
// one-click unsubscribe link: "{userID}.{expiry unix}.{mac}".
func (m *Mailer) UnsubscribeToken(userID string) string {
	exp := strconv.FormatInt(m.Now().Add(unsubscribeTTL).Unix(), 10)
	return userID + "." + exp + "." + m.unsubscribeMAC(userID, exp)
}

func (m *Mailer) unsubscribeMAC(userID, exp string) string {
	mac := hmac.New(sha256.New, m.Secret)
	mac.Write([]byte("unsubscribe:" + userID + ":" + exp))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyUnsubscribe returns the user of a valid, unexpired token.
func (m *Mailer) VerifyUnsubscribe(token string) (uuid.UUID, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || !hmac.Equal([]byte(parts[2]), []byte(m.unsubscribeMAC(parts[0], parts[1]))) {
		return uuid.Nil, models.FieldError("token", "invalid unsubscribe token")
	}
	if exp, err := strconv.ParseInt(parts[1], 10, 64); err != nil || m.Now().After(time.Unix(exp, 0)) {
		return uuid.Nil, models.FieldError("token", "this unsubscribe link has expired: sign in to change your email preferences")
	}
	return uuid.Parse(parts[0])
}

func (m *Mailer) post(ctx context.Context, msg *mail.SGMailV3) error {
	req := sendgrid.GetRequest(m.APIKey, "/v3/mail/send", m.Host)
	req.Method = "POST"
	req.Body = mail.GetRequestBody(msg)
	resp, err := sendgrid.MakeRequestWithContext(ctx, req)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("sendgrid: %d %s", resp.StatusCode, resp.Body)
	}
	return nil
}
