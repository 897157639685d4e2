package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// Rewards (docs/engagement.md, "Rewards"): an artist's configuration of
// what each fan milestone grants, a fan's rewards, and the artist's store
// redeeming a discount code. Granting is the RewardWorkflow's.

type rewardRuleBody struct {
	MilestoneKey string            `json:"milestone_key" description:"A fan milestone: minutes_1000, minutes_10000, minutes_100000, score_100, score_1000, score_10000, support_1_month, support_6_months, support_1_year"`
	Kind         models.RewardKind `json:"kind" enum:"badge,content_unlock,discount_code,meet_greet,priority_seat"`
	Title        string            `json:"title" maxLength:"100" description:"What the fan sees: the badge's name, the reward's label"`
	ContentID    *uuid.UUID        `json:"content_id,omitempty" description:"content_unlock: an item of the artist's, opened to the fan whatever its tier and time"`
	PercentOff   int               `json:"percent_off,omitempty" minimum:"0" maximum:"100" description:"discount_code: 1..100"`
	ValidDays    int               `json:"valid_days,omitempty" minimum:"0" maximum:"365" description:"discount_code: days the code lasts once granted, 1..365"`
	Seats        int               `json:"seats,omitempty" minimum:"0" maximum:"10000" description:"meet_greet: seats, first come; rules naming one meet_at share them"`
	MeetAt       *time.Time        `json:"meet_at,omitempty" description:"meet_greet: when it is, in the future, at most a year ahead"`
}

type rewardConfigRequest struct {
	Rules []rewardRuleBody `json:"rules" validate:"max=50" description:"The whole configuration: it replaces the one before"`
}

type rewardConfigView struct {
	ArtistID string           `json:"artist_id"`
	Rules    []rewardRuleBody `json:"rules"`
}

type rewardPage struct {
	Items      []models.RewardGrantView `json:"items"`
	NextCursor string                   `json:"next_cursor"`
}

type redeemRequest struct {
	Code string `json:"code" validate:"required,max=64"`
}

type redemptionView struct {
	Code         string    `json:"code"`
	Title        string    `json:"title"`
	MilestoneKey string    `json:"milestone_key"`
	PercentOff   int       `json:"percent_off"`
	RedeemedAt   time.Time `json:"redeemed_at"`
}

func (s *Server) rewardRoutes(r *routes) {
	mine := []int{http.StatusNotFound}
	r.add(fiber.MethodGet, "/api/artists/:id/rewards", op{summary: "What each of the artist's fan milestones grants", tag: "rewards",
		out: rewardConfigView{}, errors: mine}, s.authenticateOptional, s.rewardConfig)
	r.add(fiber.MethodPut, "/api/artists/:id/rewards", op{summary: "Replace the artist's reward configuration, whole, in one step (nothing is written when a rule is refused)", tag: "rewards", auth: true,
		in: rewardConfigRequest{}, out: rewardConfigView{}, errors: mine, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.replaceRewardConfig)
	r.add(fiber.MethodPost, "/api/artists/:id/rewards/redeem", op{summary: "The artist's store redeems a discount code, once: 404 not_found (unknown, or another artist's), 409 already_redeemed or expired", tag: "rewards", auth: true,
		in: redeemRequest{}, out: redemptionView{}, errors: append([]int{http.StatusConflict, http.StatusTooManyRequests}, mine...), owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("redeem", s.Config.MessageRateLimit, userKey), s.redeemReward)
	r.add(fiber.MethodGet, "/api/me/rewards", op{summary: "The caller's badges and rewards, newest first", tag: "rewards", auth: true,
		query: pageQuery{}, out: rewardPage{}}, s.authenticate, s.myRewards)
}

func ruleBody(r models.RewardRule) rewardRuleBody {
	return rewardRuleBody{MilestoneKey: r.MilestoneKey, Kind: r.Kind, Title: r.Title, ContentID: r.ContentID,
		PercentOff: r.PercentOff, ValidDays: r.ValidDays, Seats: r.Seats, MeetAt: utc(r.MeetAt)}
}

func (s *Server) rewardConfig(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	return s.viewRewardConfig(c, a.ID)
}

func (s *Server) viewRewardConfig(c *fiber.Ctx, artistID uuid.UUID) error {
	rules, err := s.Store.RewardRules(c.UserContext(), artistID)
	if err != nil {
		return err
	}
	v := rewardConfigView{ArtistID: artistID.String(), Rules: make([]rewardRuleBody, len(rules))}
	for i, r := range rules {
		v.Rules[i] = ruleBody(r)
	}
	return c.JSON(v)
}

func (s *Server) replaceRewardConfig(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[rewardConfigRequest](c)
	if err != nil {
		return err
	}
	rules, err := rewardRules(a.ID, req.Rules, s.Auth.Now())
	if err != nil {
		return err
	}
	if err := s.Store.ReplaceRewardRules(c.UserContext(), a.ID, rules); err != nil {
		return err
	}
	return s.viewRewardConfig(c, a.ID)
}

// rewardRules checks a configuration and makes its rows: positions in
// request order within each milestone; one meet & greet time, one seat count.
func rewardRules(artistID uuid.UUID, in []rewardRuleBody, now time.Time) ([]models.RewardRule, error) {
	rules := make([]models.RewardRule, len(in))
	positions := map[string]int{}
	seats := map[time.Time]int{}
	for i, b := range in {
		field := fmt.Sprintf("rules[%d].", i)
		r := models.RewardRule{ID: models.NewID(), ArtistID: artistID, MilestoneKey: b.MilestoneKey, Position: positions[b.MilestoneKey],
			Kind: b.Kind, Title: b.Title, ContentID: b.ContentID, PercentOff: b.PercentOff, ValidDays: b.ValidDays, Seats: b.Seats, CreatedAt: now}
		if b.MeetAt != nil {
			at := b.MeetAt.UTC().Truncate(time.Second)
			r.MeetAt = &at
		}
		if err := r.Check(field, now); err != nil {
			return nil, err
		}
		if r.MeetAt != nil {
			if n, ok := seats[*r.MeetAt]; ok && n != r.Seats {
				return nil, models.FieldError(field+"seats", "rules naming one meet_at must give it the same seats")
			}
			seats[*r.MeetAt] = r.Seats
		}
		positions[b.MilestoneKey]++
		rules[i] = r
	}
	return rules, nil
}

func (s *Server) redeemReward(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[redeemRequest](c)
	if err != nil {
		return err
	}
	g, err := s.Store.RedeemDiscount(c.UserContext(), a.ID, strings.ToUpper(strings.TrimSpace(req.Code)), s.Auth.Now())
	if err != nil {
		return err
	}
	return c.JSON(redemptionView{Code: *g.Code, Title: g.Title, MilestoneKey: g.MilestoneKey, PercentOff: g.PercentOff, RedeemedAt: g.RedeemedAt.UTC()})
}

func (s *Server) myRewards(c *fiber.Ctx) error {
	q, err := decodeQuery[pageQuery](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	grants, next, err := s.Store.RewardGrants(c.UserContext(), p.UserID, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	out := rewardPage{Items: make([]models.RewardGrantView, len(grants)), NextCursor: next}
	for i := range grants {
		out.Items[i] = grants[i].View()
	}
	return c.JSON(out)
}

// wakeMilestones pokes the milestone dispatcher after a write that
// succeeded: an act may have crossed a milestone (the dispatcher polls
// anyway; this only makes it sooner).
func (s *Server) wakeMilestones(c *fiber.Ctx) error {
	err := c.Next()
	if s.WakeMilestones != nil && err == nil && c.Method() != fiber.MethodGet && c.Response().StatusCode() < 400 {
		s.WakeMilestones()
	}
	return err
}
