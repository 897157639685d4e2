package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Joining and leaving a party, over REST and the socket, and its hosts'
// kicks, bans and listener list (docs/realtime.md, "Listening parties").

type partyJoinRequest struct {
	PartyID string `json:"party_id" validate:"required,uuid"`
	Code    string `json:"code,omitempty" validate:"max=64" description:"A private party's invite code (not needed by its hosts, RSVPs or users it admitted)"`
}

type partyLeaveRequest struct {
	PartyID string `json:"party_id" validate:"required,uuid"`
}

type partyTargetRequest struct {
	PartyID string `json:"party_id" validate:"required,uuid"`
	UserID  string `json:"user_id" validate:"required,uuid"`
}

// partyJoinView answers a join: the room to be in, the party's playback
// and how many listen now.
type partyJoinView struct {
	Room         string               `json:"room" description:"party:{id}: the room the socket joins (REST: send join_room with it)"`
	Playback     models.PartyPlayback `json:"playback" description:"As the last party:sync told it"`
	Participants int                  `json:"participants" description:"Listeners in the party now"`
}

type partyListenerView struct {
	UserID      string    `json:"user_id"`
	DisplayName string    `json:"display_name"`
	JoinedAt    time.Time `json:"joined_at"`
}

type partyListenersView struct {
	Items []partyListenerView `json:"items"`
}

func (s *Server) partySeatRoutes(r *routes, limit fiber.Handler) {
	seated := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}
	hosts := []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}
	r.add(fiber.MethodPost, "/api/parties/:id/join", op{summary: "Check the caller may listen to a party (a private one with its code, which admits them); answers its room, which the socket then joins with join_room (party:join does both)", tag: "parties", auth: true,
		in: rsvpRequest{}, out: partyJoinView{}, errors: seated}, s.authenticate, limit, s.joinParty)
	r.add(fiber.MethodPost, "/api/parties/:id/leave", op{summary: "Take the caller's sockets out of a party's room, on every instance (room_left, reason left)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: []int{http.StatusNotFound, http.StatusTooManyRequests}}, s.authenticate, limit, s.leaveParty)
	r.add(fiber.MethodGet, "/api/parties/:id/participants", op{summary: "Who listens to a party now (its hosts)", tag: "parties", auth: true,
		out: partyListenersView{}, errors: hosts, owner: hostsOnly}, s.authenticate, s.partyListeners)
	r.add(fiber.MethodPost, "/api/parties/:id/kick/:userID", op{summary: "Take a listener out of a party and keep them out for a minute (its hosts; not another host)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: hosts, owner: hostsOnly}, s.authenticate, limit, s.kickFromParty)
	r.add(fiber.MethodPost, "/api/parties/:id/bans/:userID", op{summary: "Ban a user from a party until lifted, taking them out (its hosts; not another host)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: hosts, owner: hostsOnly}, s.authenticate, limit, s.banFromParty)
	r.add(fiber.MethodDelete, "/api/parties/:id/bans/:userID", op{summary: "Lift a user's ban or kick from a party (its hosts)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: hosts, owner: hostsOnly}, s.authenticate, limit, s.liftPartyBan)
}

// joinedParty is a join's answer.
func (s *Server) joinedParty(ctx context.Context, p *models.Party) (partyJoinView, error) {
	n, err := s.partyListenerCount(ctx, p.ID)
	if err != nil {
		return partyJoinView{}, err
	}
	pb, err := s.partySync(ctx, p.ID)
	return partyJoinView{Room: realtime.PartyRoom(p.ID.String()), Participants: n, Playback: pb}, err
}

func (s *Server) joinParty(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	req := &rsvpRequest{}
	if len(c.Body()) > 0 {
		if req, err = decodeJSON[rsvpRequest](c); err != nil {
			return err
		}
	}
	ctx := c.UserContext()
	p, err := s.Store.Party(ctx, id)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	if err := s.partyEntry(ctx, p, me.UserID, me.Role, req.Code); err != nil {
		return err
	}
	v, err := s.joinedParty(ctx, p)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) leaveParty(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	me, _ := caller(c)
	if err := s.Hub.Remove(c.UserContext(), realtime.PartyRoom(id.String()), me.UserID.String(), reasonLeft); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) partyListeners(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	me, _ := caller(c)
	ctx := c.UserContext()
	p, err := s.hostOf(ctx, id, me.UserID)
	if err != nil {
		return err
	}
	rows, err := s.Store.PartyListeners(ctx, p.ID)
	if err != nil {
		return err
	}
	out := partyListenersView{Items: make([]partyListenerView, len(rows))}
	for i, l := range rows {
		out.Items[i] = partyListenerView{UserID: l.UserID.String(), DisplayName: l.DisplayName, JoinedAt: l.JoinedAt.UTC()}
	}
	return c.JSON(out)
}

// partyTarget is the path's party and user.
func partyTarget(c *fiber.Ctx) (partyID, userID uuid.UUID, err error) {
	if partyID, err = parseID(c, "id"); err == nil {
		userID, err = parseID(c, "userID")
	}
	return partyID, userID, err
}

func (s *Server) kickFromParty(c *fiber.Ctx) error { return s.removeFromPartyRoute(c, false) }

func (s *Server) banFromParty(c *fiber.Ctx) error { return s.removeFromPartyRoute(c, true) }

func (s *Server) removeFromPartyRoute(c *fiber.Ctx, ban bool) error {
	partyID, target, err := partyTarget(c)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	if err := s.removeFromParty(c.UserContext(), me.UserID, partyID, target, ban); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// hostsTarget is the path's party, when the caller hosts it (hostOf), and
// user.
func (s *Server) hostsTarget(c *fiber.Ctx) (*models.Party, uuid.UUID, error) {
	partyID, target, err := partyTarget(c)
	if err != nil {
		return nil, uuid.Nil, err
	}
	me, _ := caller(c)
	p, err := s.hostOf(c.UserContext(), partyID, me.UserID)
	return p, target, err
}

func (s *Server) liftPartyBan(c *fiber.Ctx) error {
	p, target, err := s.hostsTarget(c)
	if err != nil {
		return err
	}
	if err := s.Store.LiftPartyBan(c.UserContext(), p.ID, target); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// partyJoinFrame: {party_id, code?}; the same checks as POST …/join, then
// the socket joins party:{id} (Access, then a seat); acks partyJoinView.
func (s *Server) partyJoinFrame(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partyJoinRequest](f.Data)
	if err != nil {
		return nil, err
	}
	user, err := socketUser(c)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Party(ctx, uuid.MustParse(req.PartyID)) // validated
	if err != nil {
		return nil, err
	}
	if err := s.partyEntry(ctx, p, user, c.Role, req.Code); err != nil {
		return nil, err
	}
	if err := c.Join(ctx, realtime.PartyRoom(p.ID.String())); err != nil {
		return nil, err
	}
	return s.joinedParty(ctx, p)
}

// partyLeaveFrame: {party_id}; this socket leaves party:{id}.
func (s *Server) partyLeaveFrame(_ context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[partyLeaveRequest](f.Data)
	if err != nil {
		return nil, err
	}
	room := realtime.PartyRoom(uuid.MustParse(req.PartyID).String())
	return map[string]string{"room": room}, c.Leave(room)
}

// partyRemoveFrame: party:kick or party:ban, {party_id, user_id}, from a host.
func (s *Server) partyRemoveFrame(ban bool) realtime.Handler {
	return func(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
		req, err := decodeBytes[partyTargetRequest](f.Data)
		if err != nil {
			return nil, err
		}
		actor, err := socketUser(c)
		if err != nil {
			return nil, err
		}
		return nil, s.removeFromParty(ctx, actor, uuid.MustParse(req.PartyID), uuid.MustParse(req.UserID), ban)
	}
}
