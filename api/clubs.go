package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

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
	ExclusiveContent []contentView          `json:"exclusive_content"`
	Milestones       []models.ClubMilestone `json:"milestones"`
	UpdatedAt        *time.Time             `json:"updated_at"`
}

// contentView is an exclusive item as the caller may see it: its url only
// when models.CanAccess lets the caller in.
type contentView struct {
	Title   string      `json:"title"`
	URL     string      `json:"url,omitempty"`
	MinTier models.Tier `json:"min_tier"`
	Locked  bool        `json:"locked" description:"The caller's tier is below min_tier: no url."`
}

type updateClubRequest struct {
	Description         string                 `json:"description" validate:"max=4000"`
	WelcomeMessage      string                 `json:"welcome_message" validate:"max=2000"`
	SupporterPriceCents *int64                 `json:"supporter_price_cents,omitempty" validate:"omitempty,min=100,max=100000" description:"null: the catalogue's $5"`
	SuperfanPriceCents  *int64                 `json:"superfan_price_cents,omitempty" validate:"omitempty,min=100,max=100000" description:"null: the catalogue's $10"`
	DMQuota             *int                   `json:"dm_quota,omitempty" validate:"omitempty,min=0,max=1000" description:"superfan DMs per month; null: the catalogue's 5"`
	ExclusiveContent    []models.ClubContent   `json:"exclusive_content" validate:"max=200,dive"`
	Milestones          []models.ClubMilestone `json:"milestones" validate:"max=50,dive"`
}

func (s *Server) clubRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/club", op{summary: "An artist's fan club: tiers, perks, prices, member counts", tag: "clubs",
		out: clubView{}, errors: []int{http.StatusNotFound}}, s.authenticateOptional, s.club)
	r.add(fiber.MethodPut, "/api/artists/:id/club", op{summary: "Set up the artist's own club: text, price and quota overrides, exclusive content, goals", tag: "clubs", auth: true,
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
	content, err := s.viewContent(c, a.ID, club.ExclusiveContent)
	if err != nil {
		return err
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

// viewContent hides the url of every item the caller's tier does not reach.
func (s *Server) viewContent(c *fiber.Ctx, artistID uuid.UUID, items []models.ClubContent) ([]contentView, error) {
	v := models.Viewer{Tier: models.TierFollower} // anonymous
	if p, ok := caller(c); ok {
		tier, err := s.Store.TierOf(c.UserContext(), artistID, p.UserID)
		if err != nil {
			return nil, err
		}
		v = models.Viewer{UserID: p.UserID, Role: p.Role, Tier: tier}
	}
	out := make([]contentView, len(items))
	for i, it := range items {
		out[i] = contentView{Title: it.Title, MinTier: it.MinTier, URL: it.URL}
		res := models.Resource{Kind: models.ResourceContent, ArtistID: artistID, MinTier: it.MinTier}
		if !models.CanAccess(v, res, s.Auth.Now()) {
			out[i].URL, out[i].Locked = "", true
		}
	}
	return out, nil
}

func (s *Server) updateClub(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	if p, _ := caller(c); !owns(p, a.ID.String()) {
		return models.ErrForbidden
	}
	req, err := decodeJSON[updateClubRequest](c)
	if err != nil {
		return err
	}
	club := &models.FanClub{ArtistID: a.ID, Description: req.Description, WelcomeMessage: req.WelcomeMessage,
		SupporterCents: req.SupporterPriceCents, SuperfanCents: req.SuperfanPriceCents, DMQuota: req.DMQuota,
		ExclusiveContent: req.ExclusiveContent, Milestones: req.Milestones, UpdatedAt: s.Auth.Now()}
	if club.ExclusiveContent == nil {
		club.ExclusiveContent = []models.ClubContent{}
	}
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
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	if p, _ := caller(c); !owns(p, a.ID.String()) {
		return models.ErrForbidden
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
