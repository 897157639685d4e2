package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

type ticketResponse struct {
	Ticket    string `json:"ticket" description:"Single use; connect to /ws?ticket=… within expires_in seconds."`
	ExpiresIn int    `json:"expires_in"`
}

type presenceResponse struct {
	Online map[string]bool `json:"online" description:"user id → online"`
}

const maxPresenceLookup = 100

func (s *Server) realtimeRoutes(r *routes) {
	r.add(fiber.MethodPost, "/api/realtime/ticket", op{summary: "A single-use ticket to open the WebSocket", tag: "realtime",
		auth: true, out: ticketResponse{}}, s.authenticate, s.ticket)
	r.add(fiber.MethodGet, "/api/presence", op{summary: "Which of the given users (?users=id,id) are online: my contacts (conversation partners, neither blocking) and I; others read as offline", tag: "realtime",
		auth: true, out: presenceResponse{}, errors: []int{http.StatusBadRequest}}, s.authenticate, s.presence)
	r.add(fiber.MethodGet, "/ws", op{summary: "The WebSocket (see docs/realtime.md); ?ticket= from /api/realtime/ticket", tag: "realtime",
		status: http.StatusSwitchingProtocols, errors: []int{http.StatusForbidden, http.StatusUpgradeRequired}}, s.upgrade, s.socket())
}

func (s *Server) ticket(c *fiber.Ctx) error {
	p, _ := caller(c)
	t, err := s.Hub.Tickets.Issue(c.UserContext(), p.UserID.String()+"|"+string(p.Role))
	if err != nil {
		return err
	}
	return c.JSON(ticketResponse{Ticket: t, ExpiresIn: int(realtime.TicketTTL / time.Second)})
}

func (s *Server) presence(c *fiber.Ctx) error {
	ids := strings.Split(c.Query("users"), ",")
	if len(ids) > maxPresenceLookup {
		return models.FieldError("users", "at most %d users", maxPresenceLookup)
	}
	parsed := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		var err error
		if parsed[i], err = uuid.Parse(id); err != nil {
			return models.FieldError("users", "users must be a comma-separated list of user ids")
		}
		ids[i] = parsed[i].String()
	}
	ctx := c.UserContext()
	online, err := s.Hub.Presence(ctx, ids)
	if err != nil {
		return err
	}
	// As on the sockets: one's contacts (conversation partners, neither
	// blocking) and oneself; anyone else reads as offline.
	p, _ := caller(c)
	contacts, err := s.Store.ContactsAmong(ctx, p.UserID, parsed)
	if err != nil {
		return err
	}
	for _, id := range parsed {
		online[id.String()] = online[id.String()] && (id == p.UserID || contacts[id])
	}
	return c.JSON(presenceResponse{Online: online})
}

// upgrade admits a WebSocket handshake: browsers' origins must be on the
// allowlist (clients that send no Origin are not browsers and cannot be
// hijacked). The ticket is redeemed here; a bad one still gets a socket, so
// that the client can read close code 4001.
func (s *Server) upgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return fiber.ErrUpgradeRequired
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" && !slices.Contains(s.Config.CORSOrigins, o) {
		return models.Errorf(models.CodeForbidden, "origin not allowed")
	}
	if subject, err := s.Hub.Tickets.Redeem(c.UserContext(), c.Query("ticket")); err == nil {
		user, role, _ := strings.Cut(subject, "|")
		c.Locals("ws_user", user)
		c.Locals("ws_role", role)
	}
	return c.Next()
}

func (s *Server) socket() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		user, _ := conn.Locals("ws_user").(string)
		if user == "" {
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(realtime.CloseUnauthorized, "invalid, expired or used ticket"), time.Now().Add(time.Second))
			return
		}
		role, _ := conn.Locals("ws_role").(string)
		s.Hub.Serve(conn.Conn, user, models.Role(role))
	}, websocket.Config{
		HandshakeTimeout: 10 * time.Second,
		// Small read buffers and pooled write buffers: an idle socket holds
		// almost nothing (the hub writes prepared frames itself).
		ReadBufferSize:  512,
		WriteBufferSize: 512,
		WriteBufferPool: &sync.Pool{},
		RecoverHandler:  func(*websocket.Conn) {}, // Hub.Serve recovers and logs its own panics
	})
}
