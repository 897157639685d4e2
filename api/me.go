package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

type updateMeRequest struct {
	DisplayName *string `json:"display_name,omitempty" validate:"omitempty,min=1,max=64"`
	Country     *string `json:"country,omitempty" validate:"omitempty,iso3166_1_alpha2"`
	BirthYear   *int    `json:"birth_year,omitempty" validate:"omitempty,min=1900,max=2100"`
	TimeZone    *string `json:"time_zone,omitempty" validate:"omitempty,timezone"`
	// LeaderboardHidden keeps the caller off artists' public leaderboards.
	LeaderboardHidden *bool `json:"leaderboard_hidden,omitempty"`
}

func (s *Server) meRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/me", op{summary: "The signed-in account", tag: "account", auth: true, out: userView{}},
		s.authenticate, s.me)
	r.add(fiber.MethodPatch, "/api/me", op{summary: "Change the signed-in account's profile", tag: "account", auth: true,
		in: updateMeRequest{}, out: userView{}}, s.authenticate, s.updateMe)
}

func (s *Server) me(c *fiber.Ctx) error {
	p, _ := caller(c)
	u, err := s.Store.UserByID(c.UserContext(), p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(viewUser(u))
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	req, err := decodeJSON[updateMeRequest](c)
	if err != nil {
		return err
	}
	cols := map[string]any{}
	if req.DisplayName != nil {
		cols["display_name"] = *req.DisplayName
	}
	if req.Country != nil {
		cols["country"] = *req.Country
	}
	if req.BirthYear != nil {
		cols["birth_year"] = *req.BirthYear
	}
	if req.TimeZone != nil {
		cols["time_zone"] = *req.TimeZone
	}
	if req.LeaderboardHidden != nil {
		cols["leaderboard_hidden"] = *req.LeaderboardHidden
	}
	p, _ := caller(c)
	u, err := s.Store.UpdateUser(c.UserContext(), p.UserID, cols)
	if err != nil {
		return err
	}
	return c.Status(http.StatusOK).JSON(viewUser(u))
}
