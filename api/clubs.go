package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

type tierView struct {
	Tier             models.Tier   `json:"tier"`
	PriceCents       int64         `json:"price_cents"`
	Currency         string        `json:"currency"`
	EarlyAccessHours int           `json:"early_access_hours"`
	DMQuota          int           `json:"dm_quota"`
	Perks            []models.Perk `json:"perks"`
	Members          int64         `json:"members" description:"Followers for the free tier; live members for paid ones."`
}

type clubView struct {
	ArtistID         string                 `json:"artist_id"`
	Description      string                 `json:"description"`
	WelcomeMessage   string                 `json:"welcome_message"`
	Tiers            []tierView             `json:"tiers"`
	ExclusiveContent []contentView          `json:"exclusive_content" description:"The artist's newest content above the follower tier (at most 50; GET /api/artists/{id}/content lists all), locked teasers for callers who may not open it"`
	Milestones       []models.ClubMilestone `json:"milestones"`
	UpdatedAt        *time.Time             `json:"updated_at"`
}

type updateClubRequest struct {
	Description         string                 `json:"description" validate:"max=4000"`
	WelcomeMessage      string                 `json:"welcome_message" validate:"max=2000"`
	SupporterPriceCents *int64                 `json:"supporter_price_cents,omitempty" validate:"omitempty,min=100,max=100000" description:"null: the catalogue's $5"`
	SuperfanPriceCents  *int64                 `json:"superfan_price_cents,omitempty" validate:"omitempty,min=100,max=100000" description:"null: the catalogue's $10"`
	DMQuota             *int                   `json:"dm_quota,omitempty" validate:"omitempty,min=0,max=1000" description:"superfan DMs per month; null: the catalogue's 5"`
	Milestones          []models.ClubMilestone `json:"milestones" validate:"max=50,dive"`
}

func (s *Server) clubRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/club", op{summary: "An artist's fan club: tiers, perks, prices, member counts", tag: "clubs",
		out: clubView{}, errors: []int{http.StatusNotFound}}, s.authenticateOptional, s.club)
	r.add(fiber.MethodPut, "/api/artists/:id/club", op{summary: "Set up the artist's own club: text, price and quota overrides, goals (exclusive content: POST /api/artists/{id}/content)", tag: "clubs", auth: true,
		in: updateClubRequest{}, out: clubView{}, errors: []int{http.StatusBadRequest, http.StatusNotFound}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.updateClub)
	r.add(fiber.MethodDelete, "/api/artists/:id/club", op{summary: "Close the artist's own club: no new members (409), no more monthly Q&A; memberships running keep going; a PUT opens it again", tag: "clubs", auth: true,
		errors: []int{http.StatusNotFound}, status: http.StatusNoContent, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.closeClub)
}

func (s *Server) club(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	return s.viewClub(c, a)
}

func (s *Server) viewClub(c *fiber.Ctx, a *models.Artist) error {
	club, err := s.Store.Club(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	counts, err := s.Store.MemberCounts(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	items, err := s.Store.ExclusiveContents(c.UserContext(), a.ID, clubListMax)
	if err != nil {
		return err
	}
	viewer, err := s.viewerOf(c, a.ID)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	content := make([]contentView, len(items))
	for i := range items {
		content[i] = viewContent(viewer, &items[i], now)
	}
	terms := club.Terms()
	v := clubView{ArtistID: a.ID.String(), Description: club.Description, WelcomeMessage: club.WelcomeMessage,
		ExclusiveContent: content, Milestones: club.Milestones}
	if !club.UpdatedAt.IsZero() {
		at := club.UpdatedAt.UTC()
		v.UpdatedAt = &at
	}
	for _, spec := range models.Catalogue {
		t := tierView{Tier: spec.Tier, PriceCents: terms.Price(spec.Tier), Currency: terms.Currency,
			EarlyAccessHours: int(spec.EarlyAccess / time.Hour), DMQuota: terms.Quota(spec.Tier), Perks: spec.Perks}
		if spec.Tier == models.TierFollower {
			t.Members = a.FollowerCount
		}
		if i := slices.IndexFunc(counts, func(n store.TierCount) bool { return n.Tier == spec.Tier }); i >= 0 {
			t.Members = counts[i].Count
		}
		v.Tiers = append(v.Tiers, t)
	}
	return c.JSON(v)
}

func (s *Server) updateClub(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[updateClubRequest](c)
	if e := (*models.Error)(nil); errors.As(err, &e) && e.Field == "exclusive_content" {
		return models.FieldError(e.Field, "exclusive content is content now: POST /api/artists/%s/content (min_tier supporter or superfan)", a.ID)
	}
	if err != nil {
		return err
	}
	club := &models.FanClub{ArtistID: a.ID, Description: req.Description, WelcomeMessage: req.WelcomeMessage,
		SupporterCents: req.SupporterPriceCents, SuperfanCents: req.SuperfanPriceCents, DMQuota: req.DMQuota,
		Milestones: req.Milestones, UpdatedAt: s.Auth.Now()}
	if club.Milestones == nil {
		club.Milestones = []models.ClubMilestone{}
	}
	if t := club.Terms(); t.SuperfanCents <= t.SupporterCents {
		return models.FieldError("superfan_price_cents", "superfan must cost more than supporter")
	}
	if err := s.Store.SaveClub(c.UserContext(), club); err != nil {
		return err
	}
	// Every PUT makes sure of the schedule: a failed one is repaired by
	// the next, and one an operator tuned is left alone.
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	if err := s.qaClient().EnsureSchedule(ctx, a.ID); err != nil {
		return err
	}
	return s.viewClub(c, a)
}

func (s *Server) closeClub(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	if err := s.Store.CloseClub(c.UserContext(), a.ID, s.Auth.Now()); err != nil {
		return err
	}
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	if err := s.qaClient().DeleteSchedule(ctx, a.ID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
