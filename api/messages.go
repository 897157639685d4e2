package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/messaging"
	"github.com/fanfare/fanfare/models"
)

type sendMessageRequest struct {
	Body           string   `json:"body" validate:"max=16000"`
	Attachments    []string `json:"attachments,omitempty" validate:"max=5,dive,uuid"`
	IdempotencyKey string   `json:"idempotency_key,omitempty" validate:"omitempty,max=128,printascii" description:"A retry with the same key returns the first message and costs nothing"`
}

type reactionRequest struct {
	Emoji string `json:"emoji" validate:"required"`
}

type reportRequest struct {
	Reason string `json:"reason" validate:"required,min=3,max=1000"`
}

type reactionView struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine"`
}

type attachmentView struct {
	ID          string `json:"id"`
	ContentType string `json:"content_type"`
	SizeBytes   int64  `json:"size_bytes"`
	URL         string `json:"url"`
}

type messageView struct {
	ID             string           `json:"id"`
	ConversationID string           `json:"conversation_id"`
	SenderID       string           `json:"sender_id"`
	Body           string           `json:"body" description:"Sanitized: tags stripped, the rest HTML-escaped"`
	Deleted        bool             `json:"deleted"`
	Counted        bool             `json:"counted" description:"Whether it took a unit of the fan's monthly quota"`
	Attachments    []attachmentView `json:"attachments"`
	Reactions      []reactionView   `json:"reactions"`
	CreatedAt      time.Time        `json:"created_at"`
}

type messageList struct {
	Items      []messageView `json:"items"`
	NextCursor string        `json:"next_cursor" description:"Pass as before= (or after=, when paging forward) for the next page"`
}

type quotaResponse struct {
	ArtistID  string      `json:"artist_id"`
	Tier      models.Tier `json:"tier"`
	Used      int         `json:"used"`
	Limit     int         `json:"limit"`
	PeriodEnd *time.Time  `json:"period_end" description:"When the quota resets; null without a period"`
}

type reportResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (s *Server) messageRoutes(r *routes) {
	nf := []int{http.StatusNotFound}
	bad := []int{http.StatusBadRequest, http.StatusNotFound}
	r.add(fiber.MethodGet, "/api/messages/conversations", op{summary: "My conversations, pinned first then by last activity (?archived=&unread=&cursor=&limit=)", tag: "messages", auth: true,
		query: conversationQuery{}, out: conversationList{}}, s.authenticate, s.conversations)
	r.add(fiber.MethodPost, "/api/messages/conversations", op{summary: "Start (or find) the conversation with an artist or a member; one per pair", tag: "messages", auth: true,
		in: openConversationRequest{}, out: conversationView{}, status: http.StatusCreated, errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		s.authenticate, s.openConversation)
	r.add(fiber.MethodPatch, "/api/messages/conversations/:id", op{summary: "Pin, archive, mute, block, mark read", tag: "messages", auth: true,
		in: updateConversationRequest{}, out: conversationView{}, errors: bad, owner: membersOnly}, s.authenticate, s.updateConversation)
	r.add(fiber.MethodGet, "/api/messages/conversations/:id/messages", op{summary: "A conversation's messages, newest first (?before=id or ?after=id, &limit=)", tag: "messages", auth: true,
		query: messageQuery{}, out: messageList{}, errors: bad, owner: membersOnly}, s.authenticate, s.messages)
	r.add(fiber.MethodPost, "/api/messages/conversations/:id/messages", op{summary: "Send a message (quota, rate limit, duplicate and link checks)", tag: "messages", auth: true,
		in: sendMessageRequest{}, out: messageView{}, status: http.StatusCreated,
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests}, owner: membersOnly},
		s.authenticate, s.rateLimit("msg", s.Config.MessageRateLimit, userKey), s.sendMessage)
	r.add(fiber.MethodDelete, "/api/messages/:id", op{summary: "Delete my message (it shows as deleted)", tag: "messages", auth: true,
		out: messageView{}, errors: []int{http.StatusForbidden}, owner: membersOnly}, s.authenticate, s.deleteMessage)
	r.add(fiber.MethodPost, "/api/messages/:id/reactions", op{summary: "React with an emoji (one of each per user)", tag: "messages", auth: true,
		in: reactionRequest{}, out: messageView{}, errors: []int{http.StatusBadRequest, http.StatusConflict}, owner: membersOnly}, s.authenticate, s.addReaction)
	r.add(fiber.MethodDelete, "/api/messages/:id/reactions", op{summary: "Take my reaction back (?emoji=)", tag: "messages", auth: true,
		out: messageView{}, errors: bad, owner: membersOnly}, s.authenticate, s.removeReaction)
	r.add(fiber.MethodPost, "/api/messages/:id/report", op{summary: "Report a message to the moderators", tag: "messages", auth: true,
		in: reportRequest{}, out: reportResponse{}, status: http.StatusCreated, errors: bad, owner: membersOnly}, s.authenticate, s.reportMessage)
	r.add(fiber.MethodGet, "/api/messages/quota/:artistId", op{summary: "My DM quota with an artist: used, limit, period end", tag: "messages", auth: true,
		out: quotaResponse{}, errors: nf}, s.authenticate, s.quota)
}

// idAndBody reads a route's :id and its JSON body.
func idAndBody[T any](c *fiber.Ctx) (uuid.UUID, *T, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return uuid.Nil, nil, err
	}
	req, err := decodeJSON[T](c)
	return id, req, err
}

func parseID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, models.ErrNotFound
	}
	return id, nil
}

type messageQuery struct {
	Before *uuid.UUID `query:"before" invalid:"before must be a message id" description:"the page of messages older than this one"`
	After  *uuid.UUID `query:"after" invalid:"after must be a message id" description:"the page of messages newer than this one"`
	Limit  int        `query:"limit" default:"50" validate:"min=1,max=100" invalid:"limit must be between 1 and 100" minimum:"1" maximum:"100"`
}

func (s *Server) messages(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	if _, _, err := s.Store.ConversationFor(ctx, id, p.UserID); err != nil {
		return err
	}
	q, err := decodeQuery[messageQuery](c)
	if err != nil {
		return err
	}
	if q.Before != nil && q.After != nil {
		return models.FieldError("after", "page either before or after a message")
	}
	pg := store.MessagePage{Before: q.Before, After: q.After, Limit: q.Limit}
	rows, next, err := s.Store.Messages(ctx, id, pg)
	if err != nil {
		return err
	}
	views, err := s.viewMessages(ctx, p.UserID, rows)
	if err != nil {
		return err
	}
	return c.JSON(messageList{Items: views, NextCursor: next})
}

// viewMessages adds reactions and attachments to messages, in two queries.
func (s *Server) viewMessages(ctx context.Context, viewer uuid.UUID, rows []models.Message) ([]messageView, error) {
	ids := make([]uuid.UUID, len(rows))
	byID := make(map[uuid.UUID]int, len(rows))
	out := make([]messageView, len(rows))
	for i := range rows {
		ids[i], byID[rows[i].ID] = rows[i].ID, i
		out[i] = newMessageView(&rows[i])
	}
	if len(rows) == 0 {
		return out, nil
	}
	reactions, err := s.Store.Reactions(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range reactions {
		v := &out[byID[r.MessageID]]
		v.Reactions = append(v.Reactions, reactionView{Emoji: r.Emoji, Count: r.Count, Mine: r.Mine})
	}
	atts, err := s.Store.AttachmentsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		v := &out[byID[*a.MessageID]]
		v.Attachments = append(v.Attachments, viewAttachment(&a))
	}
	return out, nil
}

// newMessageView is a message without its reactions and attachments.
func newMessageView(m *models.Message) messageView {
	return messageView{ID: m.ID.String(), ConversationID: m.ConversationID.String(), SenderID: m.SenderID.String(),
		Body: m.Body, Deleted: m.DeletedAt != nil, Counted: m.Counted, CreatedAt: m.CreatedAt.UTC(),
		Attachments: []attachmentView{}, Reactions: []reactionView{}}
}

func (s *Server) sendMessage(c *fiber.Ctx) error {
	id, req, err := idAndBody[sendMessageRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	in := messaging.Send{ConversationID: id, SenderID: p.UserID, SenderRole: p.Role, Body: req.Body, IdempotencyKey: req.IdempotencyKey}
	for _, a := range req.Attachments {
		in.Attachments = append(in.Attachments, uuid.MustParse(a))
	}
	ctx := c.UserContext()
	var v messageView
	sent, err := s.dm.Send(ctx, in, func(sent *store.Sent) (realtime.Event, error) {
		v, err = s.sentView(ctx, p.UserID, sent, len(in.Attachments) > 0)
		return eventMessageNew.Of(v), err
	})
	if err != nil {
		return err
	}
	if sent.Replayed {
		if v, err = s.sentView(ctx, p.UserID, sent, len(in.Attachments) > 0); err != nil {
			return err
		}
		return c.JSON(v)
	}
	return c.Status(http.StatusCreated).JSON(v)
}

// sentView is the view of a message just sent (or replayed) with attachments
// or not.
func (s *Server) sentView(ctx context.Context, viewer uuid.UUID, sent *store.Sent, attached bool) (messageView, error) {
	if !sent.Replayed && !attached {
		return newMessageView(sent.Message), nil // nothing to look up for a fresh text message
	}
	views, err := s.viewMessages(ctx, viewer, []models.Message{*sent.Message})
	if err != nil {
		return messageView{}, err
	}
	return views[0], nil
}

func (s *Server) deleteMessage(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	atts, err := s.Store.AttachmentsOf(ctx, []uuid.UUID{id})
	if err != nil {
		return err
	}
	msg, err := s.Store.DeleteMessage(ctx, id, p.UserID, s.Auth.Now())
	if err != nil {
		return err
	}
	for _, a := range atts {
		if err := s.Blobs.Delete(ctx, a.ID.String()); err != nil {
			s.Log.WarnContext(ctx, "attachment blob not deleted", "attachment_id", a.ID, "error", err)
		}
	}
	s.dm.Publish(ctx, msg.ConversationID, eventMessageDeleted.Of(messageDeleted{ID: id.String(), ConversationID: msg.ConversationID.String()}))
	views, err := s.viewMessages(ctx, p.UserID, []models.Message{*msg})
	if err != nil {
		return err
	}
	return c.JSON(views[0])
}

func (s *Server) addReaction(c *fiber.Ctx) error {
	req, err := decodeJSON[reactionRequest](c)
	if err != nil {
		return err
	}
	return s.react(c, req.Emoji, true)
}

func (s *Server) removeReaction(c *fiber.Ctx) error { return s.react(c, c.Query("emoji"), false) }

func (s *Server) react(c *fiber.Ctx, emoji string, add bool) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if !validEmoji(emoji) {
		return models.FieldError("emoji", "emoji must be one emoji")
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	msg, changed, err := s.Store.React(ctx, id, p.UserID, emoji, add, s.Auth.Now())
	if err != nil {
		return err
	}
	if changed {
		s.dm.Publish(ctx, msg.ConversationID, eventMessageReaction.Of(messageReaction{
			MessageID: id.String(), UserID: p.UserID.String(), Emoji: emoji, Added: add}))
	}
	views, err := s.viewMessages(ctx, p.UserID, []models.Message{*msg})
	if err != nil {
		return err
	}
	return c.JSON(views[0])
}

func (s *Server) reportMessage(c *fiber.Ctx) error {
	id, req, err := idAndBody[reportRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	r, err := s.Store.Report(c.UserContext(), id, p.UserID, strictHTML.Sanitize(req.Reason), s.Auth.Now())
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(reportResponse{ID: r.ID.String(), Status: r.Status})
}

func (s *Server) quota(c *fiber.Ctx) error {
	artistID, err := parseID(c, "artistId")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := s.Store.ArtistByID(ctx, artistID); err != nil {
		return err
	}
	p, _ := caller(c)
	tier, err := s.Store.TierOf(ctx, artistID, p.UserID)
	if err != nil {
		return err
	}
	out := quotaResponse{ArtistID: artistID.String(), Tier: tier}
	q, err := s.Store.CurrentQuota(ctx, artistID, p.UserID, s.Auth.Now())
	switch {
	case err == nil && tier.Paid():
		end := q.PeriodEnd.UTC()
		out.Used, out.Limit, out.PeriodEnd = q.Used, q.QuotaLimit, &end
	case err != nil && err != models.ErrNotFound:
		return err
	}
	return c.JSON(out)
}
