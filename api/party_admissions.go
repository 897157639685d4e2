package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// A party's guests beyond its public rule, for its hosts: who came in by
// the invite code, who RSVP'd, and whom a host accepted (who keeps access
// when the code is replaced). docs/parties.md, "Who gets in".

type partyGuestView struct {
	UserID      string    `json:"user_id"`
	DisplayName string    `json:"display_name"`
	Since       time.Time `json:"since" description:"The earliest admission or RSVP"`
	Accepted    bool      `json:"accepted" description:"A host accepted them: a new invite code does not end their access"`
	RSVPed      bool      `json:"rsvped"`
}

type partyGuestPage struct {
	Items      []partyGuestView `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func (s *Server) partyAdmissionRoutes(r *routes, limit fiber.Handler) {
	hosts := []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}
	r.add(fiber.MethodGet, "/api/parties/:id/admissions", op{summary: "A party's guests: admitted by its invite code, accepted by a host, or RSVP'd (its hosts)", tag: "parties", auth: true,
		in: pageQuery{}, out: partyGuestPage{}, errors: append([]int{http.StatusBadRequest}, hosts...), owner: hostsOnly}, s.authenticate, s.partyGuests)
	r.add(fiber.MethodPut, "/api/parties/:id/admissions/:userID", op{summary: "Accept a registered user into a party: they keep access when the invite code is replaced (its hosts)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: append([]int{http.StatusBadRequest, http.StatusConflict}, hosts...), owner: hostsOnly}, s.authenticate, limit, s.acceptPartyGuest)
	r.add(fiber.MethodDelete, "/api/parties/:id/admissions/:userID", op{summary: "End a guest's admission and RSVP, taking them out of the room unless the party's rule still lets them in (its hosts)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: hosts, owner: hostsOnly}, s.authenticate, limit, s.clearPartyGuest)
}

func (s *Server) partyGuests(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	q, err := decodeQuery[pageQuery](c)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	ctx := c.UserContext()
	if _, err := s.hostOf(ctx, id, me.UserID); err != nil {
		return err
	}
	rows, next, err := s.Store.PartyGuests(ctx, id, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	out := partyGuestPage{Items: make([]partyGuestView, len(rows)), NextCursor: next}
	for i, g := range rows {
		out.Items[i] = viewPartyGuest(g)
	}
	return c.JSON(out)
}

func viewPartyGuest(g models.PartyGuest) partyGuestView {
	return partyGuestView{UserID: g.UserID.String(), DisplayName: g.DisplayName, Since: g.Since.UTC(), Accepted: g.Accepted, RSVPed: g.RSVPed}
}

func (s *Server) acceptPartyGuest(c *fiber.Ctx) error {
	p, target, err := s.hostsTarget(c)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	ctx := c.UserContext()
	switch {
	case p.Hosts(target):
		return models.FieldError("userID", "a host needs no admission")
	case !p.Status.Open():
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	if _, err := s.Store.UserByID(ctx, target); err != nil {
		return err
	}
	if err := s.Store.AcceptToParty(ctx, p.ID, target, me.UserID, s.Auth.Now()); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) clearPartyGuest(c *fiber.Ctx) error {
	p, target, err := s.hostsTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.Store.ClearPartyGuest(ctx, p.ID, target); err != nil {
		return err
	}
	s.recheckParty(ctx, p.ID, target, realtime.ReasonAccessChanged)
	return c.SendStatus(http.StatusNoContent)
}
