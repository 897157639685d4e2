package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/engagement"
	"github.com/fanfare/fanfare/models"
)

type periodQuery struct {
	Period string `query:"period" default:"all" validate:"oneof=week month all" invalid:"period must be week, month or all" enum:"week,month,all" description:"the week or month holding now, or all time with decay"`
}

type topFansQuery struct {
	periodQuery
	pageQuery
}

type engagementSettingsRequest struct {
	Weights      map[models.Action]float64 `json:"weights,omitempty" validate:"max=20" description:"points per minute (play, progress, listen) or per act; actions left out keep theirs"`
	HalfLifeDays *int                      `json:"half_life_days,omitempty" description:"days after which an act counts half (7 to 365)"`
}

type engagementSettingsView struct {
	Weights      map[models.Action]float64 `json:"weights"`
	HalfLifeDays int                       `json:"half_life_days"`
	UpdatedAt    *time.Time                `json:"updated_at"`
}

type topFanView struct {
	UserID      string  `json:"user_id"`
	DisplayName string  `json:"display_name"`
	Score       float64 `json:"score"`
	Rank        int64   `json:"rank"`
}

type topFansPage struct {
	Period     string       `json:"period"`
	Items      []topFanView `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

type engagementPartView struct {
	Action models.Action `json:"action"`
	Amount float64       `json:"amount"`
	Weight float64       `json:"weight"`
	Points float64       `json:"points"`
}

type myEngagementView struct {
	Period       string               `json:"period"`
	Score        float64              `json:"score"`
	Rank         int64                `json:"rank"`
	Percentile   float64              `json:"percentile"`
	Fans         int64                `json:"fans"`
	HalfLifeDays int                  `json:"half_life_days"`
	Breakdown    []engagementPartView `json:"breakdown"`
}

func (s *Server) engagementRoutes(r *routes) {
	notFound := []int{http.StatusNotFound}
	r.add(fiber.MethodGet, "/api/artists/:id/top-fans", op{summary: "An artist's leaderboard: fans by score in a period", tag: "engagement",
		query: topFansQuery{}, out: topFansPage{}, errors: notFound}, s.topFans)
	r.add(fiber.MethodGet, "/api/artists/:id/me/engagement", op{summary: "The caller's score with an artist: rank, percentile and each action's part", tag: "engagement", auth: true,
		query: periodQuery{}, out: myEngagementView{}, errors: notFound}, s.authenticate, s.myEngagement)
	r.add(fiber.MethodGet, "/api/artists/:id/engagement/settings", op{summary: "The artist's scoring weights and half-life", tag: "engagement", auth: true,
		out: engagementSettingsView{}, errors: notFound, owner: artistOwned}, s.authenticate, requireRole(models.RoleArtist), s.engagementSettings)
	r.add(fiber.MethodPut, "/api/artists/:id/engagement/settings", op{summary: "Tune the artist's scoring: weights and half-life (rewrites the scores)", tag: "engagement", auth: true,
		in: engagementSettingsRequest{}, out: engagementSettingsView{}, errors: notFound, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.tuneEngagement)
}

func (s *Server) topFans(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	q, err := decodeQuery[topFansQuery](c)
	if err != nil {
		return err
	}
	rows, next, err := s.scores.Board(c.UserContext(), a.ID, q.Period, q.Limit, q.Cursor)
	if err != nil {
		return err
	}
	out := topFansPage{Period: q.Period, Items: make([]topFanView, len(rows)), NextCursor: next}
	for i, r := range rows {
		out.Items[i] = topFanView{UserID: r.UserID.String(), DisplayName: r.Name, Score: r.Score, Rank: r.Rank}
	}
	return c.JSON(out)
}

// myEngagement answers the caller's own standing only: the route names no
// fan, so nobody reads another's breakdown.
func (s *Server) myEngagement(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	q, err := decodeQuery[periodQuery](c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	st, err := s.scores.Explain(c.UserContext(), a.ID, p.UserID, q.Period)
	if err != nil {
		return err
	}
	out := myEngagementView{Period: st.Period, Score: st.Score, Rank: st.Rank, Percentile: st.Percentile, Fans: st.Fans, HalfLifeDays: st.HalfLife}
	for _, part := range st.Breakdown {
		out.Breakdown = append(out.Breakdown, engagementPartView(part))
	}
	return c.JSON(out)
}

func (s *Server) engagementSettings(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	set, err := s.Store.EngagementSettings(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	return c.JSON(viewEngagementSettings(set))
}

func (s *Server) tuneEngagement(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[engagementSettingsRequest](c)
	if err != nil {
		return err
	}
	set, err := s.scores.Tune(c.UserContext(), a.ID, engagement.Tuning{Weights: req.Weights, HalfLifeDays: req.HalfLifeDays})
	if err != nil {
		return err
	}
	return c.JSON(viewEngagementSettings(set))
}

func viewEngagementSettings(set models.EngagementSettings) engagementSettingsView {
	v := engagementSettingsView{Weights: set.Weights, HalfLifeDays: set.HalfLifeDays}
	if !set.UpdatedAt.IsZero() {
		at := set.UpdatedAt.UTC()
		v.UpdatedAt = &at
	}
	return v
}
