package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/billing"
	"github.com/fanfare/fanfare/models"
)

type sandboxCardRequest struct {
	Decline string `json:"decline" validate:"omitempty,oneof=card_declined insufficient_funds expired_card" description:"Why every charge to my card fails from now on; empty: charges succeed"`
}

type sandboxCardResponse struct {
	Customer string `json:"customer"`
	Decline  string `json:"decline"`
}

// sandboxRoutes exist only with the sandbox provider: a fan can make
// their own sandbox card fail, to try dunning in demos and tests.
func (s *Server) sandboxRoutes(r *routes) {
	if _, ok := s.Billing.(*billing.Sandbox); !ok {
		return
	}
	r.add(fiber.MethodPut, "/api/billing/sandbox/card", op{summary: "Sandbox payments only: make my card decline, or work again", tag: "memberships", auth: true,
		in: sandboxCardRequest{}, out: sandboxCardResponse{}, errors: []int{http.StatusBadRequest}}, s.authenticate, s.sandboxCard)
}

func (s *Server) sandboxCard(c *fiber.Ctx) error {
	req, err := decodeJSON[sandboxCardRequest](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	card := models.SandboxCard{Customer: billing.SandboxCustomer(p.UserID), Decline: req.Decline, UpdatedAt: s.Auth.Now()}
	if err := s.Store.SetSandboxDecline(c.UserContext(), card); err != nil {
		return err
	}
	return c.JSON(sandboxCardResponse{Customer: card.Customer, Decline: card.Decline})
}
