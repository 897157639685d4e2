package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

type notificationPage struct {
	Items      []models.NotificationView `json:"items"`
	NextCursor string                    `json:"next_cursor"`
}

type notificationGroupView struct {
	GroupKey string                  `json:"group_key"`
	Count    int                     `json:"count"`
	Unread   int                     `json:"unread"`
	Latest   models.NotificationView `json:"latest"`
}

type notificationGroupPage struct {
	Items      []notificationGroupView `json:"items"`
	NextCursor string                  `json:"next_cursor"`
}

type countResponse struct {
	Count int64 `json:"count"`
}

type preferencesBody struct {
	Channels          map[string]map[models.Channel]bool `json:"channels" description:"category → channel → on/off; missing entries use the category's defaults"`
	DigestMinutes     int                                `json:"digest_minutes" validate:"min=0,max=1440"`
	QuietStart        string                             `json:"quiet_start" validate:"omitempty,len=5" description:"HH:MM in the user's time zone; empty for none"`
	QuietEnd          string                             `json:"quiet_end" validate:"omitempty,len=5"`
	EmailUnsubscribed bool                               `json:"email_unsubscribed"`
}

func (s *Server) notificationRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/notifications", op{summary: "My notifications, newest first (?cursor=&limit=&unread=true&category=&grouped=true)",
		tag: "notifications", auth: true, query: notificationQuery{}, out: notificationPage{}}, s.authenticate, s.notifications)
	r.add(fiber.MethodGet, "/api/notifications/unread-count", op{summary: "How many of my notifications are unread",
		tag: "notifications", auth: true, out: countResponse{}}, s.authenticate, s.unreadCount)
	r.add(fiber.MethodPost, "/api/notifications/:id/read", op{summary: "Mark one notification read", tag: "notifications",
		auth: true, status: http.StatusNoContent, owner: membersOnly}, s.authenticate, s.readNotification)
	r.add(fiber.MethodPost, "/api/notifications/read-all", op{summary: "Mark every notification read", tag: "notifications",
		auth: true, out: countResponse{}}, s.authenticate, s.readAll)
	r.add(fiber.MethodGet, "/api/notifications/preferences", op{summary: "My notification preferences", tag: "notifications",
		auth: true, out: preferencesBody{}}, s.authenticate, s.preferences)
	r.add(fiber.MethodPut, "/api/notifications/preferences", op{summary: "Replace my notification preferences", tag: "notifications",
		auth: true, in: preferencesBody{}, out: preferencesBody{}}, s.authenticate, s.savePreferences)
	r.add(fiber.MethodPost, "/api/notifications/unsubscribe", op{summary: "One-click email unsubscribe (RFC 8058; ?token= from the List-Unsubscribe link, no login)",
		tag: "notifications", status: http.StatusNoContent, errors: []int{http.StatusBadRequest}}, s.unsubscribe)
	if !s.Config.Production() {
		r.add(fiber.MethodGet, "/api/dev/outbox", op{summary: "Mail kept locally for want of a SendGrid key (development only)",
			tag: "development", out: outboxPage{}}, s.outbox)
	}
}

type outboxView struct {
	ID         string            `json:"id"`
	To         string            `json:"to"`
	Subject    string            `json:"subject"`
	Body       string            `json:"body"`
	Categories string            `json:"categories"`
	Headers    map[string]string `json:"headers"`
	CreatedAt  time.Time         `json:"created_at"`
}

type outboxPage struct {
	Items []outboxView `json:"items"`
}

func (s *Server) unsubscribe(c *fiber.Ctx) error {
	userID, err := s.Mailer.VerifyUnsubscribe(c.Query("token"))
	if err != nil {
		return err
	}
	if err := s.Store.UnsubscribeEmail(c.UserContext(), userID, s.Auth.Now()); err != nil {
		if models.ErrorCode(err) == models.CodeNotFound {
			return models.FieldError("token", "invalid unsubscribe token")
		}
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) outbox(c *fiber.Ctx) error {
	rows, err := s.Store.OutboxEmails(c.UserContext(), 100)
	if err != nil {
		return err
	}
	out := outboxPage{Items: make([]outboxView, len(rows))}
	for i, m := range rows {
		out.Items[i] = outboxView{ID: m.ID.String(), To: m.ToEmail, Subject: m.Subject, Body: m.Body,
			Categories: m.Categories, CreatedAt: m.CreatedAt.UTC()}
		_ = json.Unmarshal([]byte(m.Headers), &out.Items[i].Headers)
	}
	return c.JSON(out)
}

// notificationQuery is ?cursor=&limit= and the inbox filters.
type notificationQuery struct {
	Limit    int    `query:"limit" default:"20" validate:"min=1,max=100" invalid:"limit must be between 1 and 100" minimum:"1" maximum:"100"`
	Cursor   string `query:"cursor" validate:"omitempty,id" invalid:"invalid cursor" description:"next_cursor of the page before"`
	Category string `query:"category" validate:"omitempty,category" invalid:"unknown category %q"`
	Unread   bool   `query:"unread" invalid:"unread must be true or false" description:"true: only unread ones"`
	Grouped  string `query:"grouped" description:"true: one item per group key, with its count"`
}

func (s *Server) notifications(c *fiber.Ctx) error {
	q, err := decodeQuery[notificationQuery](c)
	if err != nil {
		return err
	}
	f := store.NotificationFilter{Limit: q.Limit, Before: q.Cursor, Category: q.Category, Unread: q.Unread}
	p, _ := caller(c)
	now := s.Auth.Now()
	if q.Grouped == "true" {
		groups, next, err := s.Store.NotificationGroups(c.UserContext(), p.UserID, f, now)
		if err != nil {
			return err
		}
		out := notificationGroupPage{Items: make([]notificationGroupView, len(groups)), NextCursor: next}
		for i, g := range groups {
			out.Items[i] = notificationGroupView{GroupKey: g.GroupKey, Count: g.Count, Unread: g.Unread, Latest: models.ViewOf(&g.Latest)}
		}
		return c.JSON(out)
	}
	rows, next, err := s.Store.Notifications(c.UserContext(), p.UserID, f, now)
	if err != nil {
		return err
	}
	out := notificationPage{Items: make([]models.NotificationView, len(rows)), NextCursor: next}
	for i := range rows {
		out.Items[i] = models.ViewOf(&rows[i])
	}
	return c.JSON(out)
}

func (s *Server) unreadCount(c *fiber.Ctx) error {
	p, _ := caller(c)
	n, err := s.Store.UnreadNotifications(c.UserContext(), p.UserID, s.Auth.Now())
	if err != nil {
		return err
	}
	return c.JSON(countResponse{Count: n})
}

func (s *Server) readNotification(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return models.ErrNotFound
	}
	p, _ := caller(c)
	if err := s.Store.MarkNotificationRead(c.UserContext(), p.UserID, id, s.Auth.Now()); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) readAll(c *fiber.Ctx) error {
	p, _ := caller(c)
	n, err := s.Store.MarkAllNotificationsRead(c.UserContext(), p.UserID, s.Auth.Now())
	if err != nil {
		return err
	}
	return c.JSON(countResponse{Count: n})
}

var clock = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func (s *Server) preferences(c *fiber.Ctx) error {
	p, _ := caller(c)
	pref, err := s.Store.NotificationPreferences(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(viewPreferences(pref))
}

func (s *Server) savePreferences(c *fiber.Ctx) error {
	req, err := decodeJSON[preferencesBody](c)
	if err != nil {
		return err
	}
	for cat, chans := range req.Channels {
		if _, ok := models.Categories[cat]; !ok {
			return models.FieldError("channels", "unknown category %q", cat)
		}
		for ch := range chans {
			if ch != models.ChannelEmail && ch != models.ChannelPush {
				return models.FieldError("channels", "channel must be email or push (in-app is always on), got %q", ch)
			}
		}
	}
	for field, v := range map[string]string{"quiet_start": req.QuietStart, "quiet_end": req.QuietEnd} {
		if v != "" && !clock.MatchString(v) {
			return models.FieldError(field, "%s must be HH:MM", field)
		}
	}
	if (req.QuietStart == "") != (req.QuietEnd == "") {
		return models.FieldError("quiet_end", "quiet hours need both a start and an end")
	}
	channels, _ := json.Marshal(req.Channels)
	p, _ := caller(c)
	pref := &models.NotificationPreference{
		UserID: p.UserID, Channels: string(channels), DigestMinutes: req.DigestMinutes,
		QuietStart: req.QuietStart, QuietEnd: req.QuietEnd, EmailUnsubscribed: req.EmailUnsubscribed, UpdatedAt: s.Auth.Now(),
	}
	if err := s.Store.SaveNotificationPreferences(c.UserContext(), pref); err != nil {
		return err
	}
	return c.JSON(viewPreferences(pref))
}

func viewPreferences(p *models.NotificationPreference) preferencesBody {
	v := preferencesBody{DigestMinutes: p.DigestMinutes, QuietStart: p.QuietStart, QuietEnd: p.QuietEnd, EmailUnsubscribed: p.EmailUnsubscribed}
	_ = json.Unmarshal([]byte(p.Channels), &v.Channels)
	if v.Channels == nil {
		v.Channels = map[string]map[models.Channel]bool{}
	}
	return v
}
