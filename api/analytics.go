package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/models"
)

type cohortQuery struct {
	From string `query:"from" validate:"omitempty,datetime=2006-01" invalid:"from must be a month: YYYY-MM" description:"the first cohort's month (default: 11 months before to)"`
	To   string `query:"to" validate:"omitempty,datetime=2006-01" invalid:"to must be a month: YYYY-MM" description:"the last cohort's month (default: this month)"`
}

type cohortView struct {
	Month string `json:"month"`
	Size  int    `json:"size"`
	// Members[k] of the cohort are members at the end of its k-th month
	// after (0: its own), paying MRR[k] cents a month; the retentions are
	// those over the cohort's size and its first month's MRR, in percent.
	Members          []int     `json:"members"`
	MemberRetention  []float64 `json:"member_retention"`
	MRR              []int64   `json:"mrr_cents"`
	RevenueRetention []float64 `json:"revenue_retention"`
}

type cohortsView struct {
	Cohorts []cohortView `json:"cohorts"`
}

func (s *Server) analyticsRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/analytics/cohorts", op{summary: "Monthly cohorts by first membership: member and revenue retention (a triangle)", tag: "analytics", auth: true,
		query: cohortQuery{}, out: cohortsView{}, errors: []int{http.StatusNotFound}, owner: privateToArtist},
		s.authenticate, s.cohorts)
	s.audienceRoutes(r)
}

// analyticsArtist is the artist the path names when the caller is that
// artist or an admin; to anyone else their analytics do not exist.
func (s *Server) analyticsArtist(c *fiber.Ctx) (*models.Artist, error) {
	a, err := s.ownedArtist(c)
	if errors.Is(err, models.ErrForbidden) {
		return nil, models.ErrNotFound
	}
	return a, err
}

func (s *Server) cohorts(c *fiber.Ctx) error {
	a, err := s.analyticsArtist(c)
	if err != nil {
		return err
	}
	q, err := decodeQuery[cohortQuery](c)
	if err != nil {
		return err
	}
	to := s.Auth.Now()
	if q.To != "" {
		to, _ = time.Parse("2006-01", q.To) // validated
	}
	from := to.AddDate(0, -11, 0)
	if q.From != "" {
		from, _ = time.Parse("2006-01", q.From)
	}
	rows, err := s.analytics.Cohorts(c.UserContext(), a.ID, from, to)
	if err != nil {
		return err
	}
	if c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		return cohortsCSV(c, a.Slug, from, to, rows)
	}
	out := cohortsView{Cohorts: make([]cohortView, len(rows))}
	for i, r := range rows {
		v := cohortView{Month: r.Month.Format("2006-01"), Size: r.Size, Members: r.Members, MRR: r.MRR}
		for k := range r.Members {
			v.MemberRetention = append(v.MemberRetention, percent(int64(r.Members[k]), int64(r.Size)))
			v.RevenueRetention = append(v.RevenueRetention, percent(r.MRR[k], r.MRR[0]))
		}
		out.Cohorts[i] = v
	}
	return c.JSON(out)
}

// cohortsCSV answers the triangle as CSV, one row per cohort and month
// after, for a spreadsheet: Accept: text/csv.
func cohortsCSV(c *fiber.Ctx, slug string, from, to time.Time, rows []analytics.Cohort) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"cohort", "size", "month_after", "members", "member_retention_pct", "mrr_cents", "revenue_retention_pct"})
	for _, r := range rows {
		for k := range r.Members {
			_ = w.Write([]string{r.Month.Format("2006-01"), strconv.Itoa(r.Size), strconv.Itoa(k), strconv.Itoa(r.Members[k]),
				strconv.FormatFloat(percent(int64(r.Members[k]), int64(r.Size)), 'f', 2, 64), strconv.FormatInt(r.MRR[k], 10),
				strconv.FormatFloat(percent(r.MRR[k], r.MRR[0]), 'f', 2, 64)})
		}
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	// The slug is [a-z0-9-] (its validation), so the name needs no quoting rules beyond the quotes.
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="cohorts-%s-%s-%s.csv"`, slug, from.Format("2006-01"), to.Format("2006-01")))
	return c.Send(b.Bytes())
}

// percent is 100 × n / of, 0 of nothing.
func percent(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
