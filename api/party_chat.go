package api

import (
	"context"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/messaging"
	"github.com/fanfare/fanfare/models"
)

// A party's chat: sockets in party:{id} send lines, which are sanitized
// as DMs are, stored and fanned out to the room. Chat is open while the
// party is scheduled (its lobby) or live; its hosts delete lines and set
// slow mode; anyone who may see the party reads the history and reports
// lines into the DM reports' moderation queue.
const (
	eventPartyChat        realtime.EventType[partyChatView]    = "party:chat"
	eventPartyChatDeleted realtime.EventType[partyChatDeleted] = "party:chat_deleted"
	eventPartySlowMode    realtime.EventType[partySlowMode]    = "party:slow_mode"
)

type partyChatView struct {
	ID          string    `json:"id"`
	PartyID     string    `json:"party_id"`
	UserID      string    `json:"user_id"`
	DisplayName string    `json:"display_name"`
	Host        bool      `json:"host" description:"Sent by the artist or a co-host"`
	Body        string    `json:"body" description:"Sanitized: tags stripped, the rest HTML-escaped"`
	SentAt      time.Time `json:"sent_at"`
	ClientID    string    `json:"client_id,omitempty" description:"In the sender's ack only: its own id for the line, echoed"`
}

type partyChatPage struct {
	Items           []partyChatView `json:"items"`
	NextCursor      string          `json:"next_cursor"`
	SlowModeSeconds int             `json:"slow_mode_seconds" description:"A fan sends one message per this many seconds (0: off)"`
}

type partyChatDeleted struct {
	ID        string `json:"id"`
	PartyID   string `json:"party_id"`
	DeletedBy string `json:"deleted_by"`
}

type partySlowMode struct {
	PartyID string `json:"party_id"`
	Seconds int    `json:"seconds"`
	SetBy   string `json:"set_by"`
}

type partyChatRequest struct {
	PartyID  string `json:"party_id" validate:"required,uuid"`
	Body     string `json:"body" description:"At most 500 characters once sanitized"`
	ClientID string `json:"client_id,omitempty" validate:"max=64"`
}

type partyChatDeleteRequest struct {
	PartyID   string `json:"party_id" validate:"required,uuid"`
	MessageID string `json:"message_id" validate:"required,uuid"`
}

type slowModeRequest struct {
	Seconds *int `json:"seconds" validate:"required,min=0,max=300" invalid:"seconds must be between 0 and 300" minimum:"0" maximum:"300"`
}

type partySlowModeRequest struct {
	PartyID string `json:"party_id" validate:"required,uuid"`
	Seconds *int   `json:"seconds" validate:"required,min=0,max=300" invalid:"seconds must be between 0 and 300"`
}

type partyChatQuery struct {
	pageQuery
	Code string `query:"code" validate:"max=64" description:"A private party's invite code"`
}

func (s *Server) partyChatRoutes(r *routes) {
	limit := s.rateLimit("party-chat", s.Config.MessageRateLimit, userKey)
	refusals := []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}
	r.add(fiber.MethodGet, "/api/parties/:id/messages", op{summary: "A party's chat, newest first, deleted lines left out (whoever may see the party)", tag: "parties",
		query: partyChatQuery{}, out: partyChatPage{}, errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		s.authenticateOptional, s.partyChat)
	r.add(fiber.MethodDelete, "/api/parties/:id/messages/:msgID", op{summary: "Delete a chat line (the party's hosts); the room gets party:chat_deleted", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: refusals, owner: hostsOnly}, s.authenticate, limit, s.deletePartyChatRoute)
	r.add(fiber.MethodPut, "/api/parties/:id/slow-mode", op{summary: "Set the chat's slow mode (the party's hosts, who are exempt); the room gets party:slow_mode", tag: "parties", auth: true,
		in: slowModeRequest{}, out: partySlowMode{}, errors: append([]int{http.StatusBadRequest, http.StatusConflict}, refusals...), owner: hostsOnly},
		s.authenticate, limit, s.slowModeRoute)
	r.add(fiber.MethodPost, "/api/parties/:id/messages/:msgID/report", op{summary: "Report a chat line to the moderators (once per line; whoever may see the party)", tag: "parties", auth: true,
		in: reportRequest{}, out: reportResponse{}, status: http.StatusCreated, errors: append([]int{http.StatusBadRequest, http.StatusConflict}, refusals...)},
		s.authenticate, limit, s.reportPartyChat)
}

func (s *Server) partyChatRealtime(h *realtime.Hub) {
	h.Handle("party:chat", realtime.RateChat, s.partyChatFrame)
	h.Handle("party:chat_delete", realtime.RateChat, s.partyChatDeleteFrame)
	h.Handle("party:slow_mode", realtime.RateChat, s.partySlowModeFrame)
	s.partyReactions(h)
}

func viewPartyChat(m *models.PartyMessage, name string, host bool) partyChatView {
	return partyChatView{ID: m.ID.String(), PartyID: m.PartyID.String(), UserID: m.UserID.String(), DisplayName: name,
		Host: host, Body: m.Body, SentAt: m.CreatedAt.UTC()}
}

// partyChatFrame: {party_id, body, client_id?} from a socket in the
// party's room; acks with the stored line, which the room gets as
// party:chat.
func (s *Server) partyChatFrame(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partyChatRequest](f.Data)
	if err != nil {
		return nil, err
	}
	user, err := socketUser(c)
	if err != nil {
		return nil, err
	}
	partyID := uuid.MustParse(req.PartyID) // validated
	if !c.In(realtime.PartyRoom(partyID.String())) {
		return nil, models.Errorf(models.CodeForbidden, "join the party's room to chat")
	}
	body, err := partyChatText(req.Body)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return nil, err
	}
	if !p.Status.Open() {
		return nil, models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	host := p.Hosts(user)
	if !host {
		if err := s.slowMode(ctx, partyID, user); err != nil {
			return nil, err
		}
	}
	sender, err := s.Store.UserByID(ctx, user)
	if err != nil {
		return nil, err
	}
	m := &models.PartyMessage{ID: models.NewID(), PartyID: partyID, UserID: user, Body: body, CreatedAt: s.Auth.Now().UTC()}
	if err := s.Store.AddPartyMessage(ctx, m); err != nil {
		return nil, err
	}
	v := viewPartyChat(m, sender.DisplayName, host)
	s.publishParty(ctx, partyID, eventPartyChat.Of(v))
	v.ClientID = req.ClientID // the sender's own: never fanned out to the room
	return v, nil
}

// socketUser is the id of a socket's user.
func socketUser(c *realtime.Conn) (uuid.UUID, error) {
	id, err := uuid.Parse(c.UserID)
	if err != nil {
		return uuid.Nil, models.ErrForbidden
	}
	return id, nil
}

// partyChatText is a chat line sanitized by the DM sanitizer: tags
// stripped (a line of markup alone is empty), 1 to 500 characters left.
func partyChatText(raw string) (string, error) {
	text, _, err := messaging.Text(raw)
	if err != nil {
		return "", err
	}
	if text == "" {
		return "", models.FieldError("body", "body must not be empty")
	}
	if utf8.RuneCountInString(text) > models.PartyChatMaxRunes {
		return "", models.FieldError("body", "body must be at most %d characters", models.PartyChatMaxRunes)
	}
	return text, nil
}

// slowMode lets a fan's line through when the party's slow mode allows
// one now, and counts it: a shared limiter, so every instance agrees.
func (s *Server) slowMode(ctx context.Context, partyID, user uuid.UUID) error {
	secs, err := s.Store.PartySlowMode(ctx, partyID)
	if err != nil || secs == 0 {
		return err
	}
	every := time.Duration(secs) * time.Second
	d, err := s.Limiter.Attempt(ctx, "party-slow:"+partyID.String()+":"+user.String(), ratelimit.Backoff{Base: every, Max: every})
	if err != nil || d.Allowed {
		return err
	}
	e := models.Errorf(models.CodeRateLimited, "slow mode: one message every %d seconds; retry in %s", secs, d.RetryAfter.Round(time.Second))
	e.RetryAt = time.Now().Add(d.RetryAfter)
	return e
}

// publishParty sends an event into the party's room; the database
// already holds what it tells, so a failure is only a late update.
func (s *Server) publishParty(ctx context.Context, partyID uuid.UUID, ev realtime.Event) {
	if _, err := s.Hub.Publish(ctx, realtime.PartyRoom(partyID.String()), ev); err != nil {
		s.Log.WarnContext(ctx, "party event not published", "type", ev.Type, "party", partyID, "error", err)
	}
}

// hostOf is the party when user hosts it; a private party is not found
// by anyone else, a public one is forbidden.
func (s *Server) hostOf(ctx context.Context, partyID, user uuid.UUID) (*models.Party, error) {
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return nil, err
	}
	if !p.Hosts(user) {
		if p.Private {
			return nil, models.ErrNotFound
		}
		return nil, models.Errorf(models.CodeForbidden, "only the party's hosts do this")
	}
	return p, nil
}

// deletePartyChat deletes a line of a party its caller hosts (hostOf)
// and tells the room.
func (s *Server) deletePartyChat(ctx context.Context, p *models.Party, msgID, host uuid.UUID) (partyChatDeleted, error) {
	if err := s.Store.DeletePartyMessage(ctx, p.ID, msgID, host, s.Auth.Now()); err != nil {
		return partyChatDeleted{}, err
	}
	v := partyChatDeleted{ID: msgID.String(), PartyID: p.ID.String(), DeletedBy: host.String()}
	s.publishParty(ctx, p.ID, eventPartyChatDeleted.Of(v))
	return v, nil
}

// setSlowMode sets the chat's slow mode of a party its caller hosts
// (hostOf) that has not ended, and tells the room.
func (s *Server) setSlowMode(ctx context.Context, p *models.Party, host uuid.UUID, seconds int) (partySlowMode, error) {
	if !p.Status.Open() {
		return partySlowMode{}, models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	if err := s.Store.SetPartySlowMode(ctx, p.ID, seconds); err != nil {
		return partySlowMode{}, err
	}
	v := partySlowMode{PartyID: p.ID.String(), Seconds: seconds, SetBy: host.String()}
	s.publishParty(ctx, p.ID, eventPartySlowMode.Of(v))
	return v, nil
}

// socketHost is the party (a validated id) when the socket's user hosts
// it (hostOf).
func (s *Server) socketHost(ctx context.Context, c *realtime.Conn, partyID string) (*models.Party, uuid.UUID, error) {
	user, err := socketUser(c)
	if err != nil {
		return nil, uuid.Nil, err
	}
	p, err := s.hostOf(ctx, uuid.MustParse(partyID), user)
	return p, user, err
}

// partyChatDeleteFrame: {party_id, message_id} from a host; acks with the
// deletion the room gets.
func (s *Server) partyChatDeleteFrame(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partyChatDeleteRequest](f.Data)
	if err != nil {
		return nil, err
	}
	p, user, err := s.socketHost(ctx, c, req.PartyID)
	if err != nil {
		return nil, err
	}
	return s.deletePartyChat(ctx, p, uuid.MustParse(req.MessageID), user) // validated
}

// partySlowModeFrame: {party_id, seconds} from a host.
func (s *Server) partySlowModeFrame(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partySlowModeRequest](f.Data)
	if err != nil {
		return nil, err
	}
	p, user, err := s.socketHost(ctx, c, req.PartyID)
	if err != nil {
		return nil, err
	}
	return s.setSlowMode(ctx, p, user, *req.Seconds) // validated
}

func (s *Server) partyChat(c *fiber.Ctx) error {
	q, err := decodeQuery[partyChatQuery](c)
	if err != nil {
		return err
	}
	a, err := s.openParty(c, q.Code)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rows, next, err := s.Store.PartyMessages(ctx, a.party.ID, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	secs, err := s.Store.PartySlowMode(ctx, a.party.ID)
	if err != nil {
		return err
	}
	out := partyChatPage{Items: make([]partyChatView, len(rows)), NextCursor: next, SlowModeSeconds: secs}
	for i := range rows {
		out.Items[i] = viewPartyChat(&rows[i].PartyMessage, rows[i].DisplayName, a.party.Hosts(rows[i].UserID))
	}
	return c.JSON(out)
}

// hostedPath is the path's party when the caller hosts it (hostOf).
func (s *Server) hostedPath(c *fiber.Ctx) (*models.Party, uuid.UUID, error) {
	partyID, err := parseID(c, "id")
	if err != nil {
		return nil, uuid.Nil, err
	}
	me, _ := caller(c)
	p, err := s.hostOf(c.UserContext(), partyID, me.UserID)
	return p, me.UserID, err
}

func (s *Server) deletePartyChatRoute(c *fiber.Ctx) error {
	p, me, err := s.hostedPath(c)
	if err != nil {
		return err
	}
	msgID, err := parseID(c, "msgID")
	if err != nil {
		return err
	}
	if _, err := s.deletePartyChat(c.UserContext(), p, msgID, me); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) slowModeRoute(c *fiber.Ctx) error {
	p, me, err := s.hostedPath(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[slowModeRequest](c)
	if err != nil {
		return err
	}
	v, err := s.setSlowMode(c.UserContext(), p, me, *req.Seconds)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) reportPartyChat(c *fiber.Ctx) error {
	a, err := s.openParty(c, "")
	if err != nil {
		return err
	}
	req, err := decodeJSON[reportRequest](c)
	if err != nil {
		return err
	}
	msgID, err := parseID(c, "msgID")
	if err != nil {
		return err
	}
	r, err := s.Store.ReportPartyMessage(c.UserContext(), a.party.ID, msgID, a.viewer.UserID, strictHTML.Sanitize(req.Reason), s.Auth.Now())
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(reportResponse{ID: r.ID.String(), Status: r.Status})
}
