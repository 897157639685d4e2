package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/fanfare/fanfare/analytics"
	"github.com/fanfare/fanfare/models"
)

// audienceQuery is the range of the activity split, and nothing else: the
// audience has no filters (docs/analytics.md, "Audience"), and any other
// parameter is refused (audienceValues).
type audienceQuery struct {
	From string `query:"from" validate:"omitempty,datetime=2006-01-02" invalid:"from must be a day: YYYY-MM-DD" description:"the first day of the activity range, UTC (default: 29 days before to)"`
	To   string `query:"to" validate:"omitempty,datetime=2006-01-02" invalid:"to must be a day: YYYY-MM-DD" description:"the last day of the activity range, UTC (default: today)"`
}

type audienceGroupView struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// audienceView is the artist's audience now; every count in it is of at
// least k people, and under k in all Suppressed is set and every
// breakdown is empty.
type audienceView struct {
	From       string              `json:"from"`
	To         string              `json:"to"`
	K          int                 `json:"k"`
	Total      int                 `json:"total"`
	Suppressed bool                `json:"suppressed"`
	Countries  []audienceGroupView `json:"countries"`
	AgeBands   []audienceGroupView `json:"age_bands"`
	TimeZones  []audienceGroupView `json:"time_zones"`
	Tiers      []audienceGroupView `json:"tiers"`
	Activity   []audienceGroupView `json:"activity"`
}

func (s *Server) audienceRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/analytics/audience", op{summary: "The artist's audience by country, age band, time zone, tier and activity, every group of 10 or more (k-anonymity); no filters", tag: "analytics", auth: true,
		query: audienceQuery{}, out: audienceView{}, errors: []int{http.StatusNotFound}, owner: privateToArtist},
		s.authenticate, s.audience)
}

func (s *Server) audience(c *fiber.Ctx) error {
	a, err := s.analyticsArtist(c)
	if err != nil {
		return err
	}
	q, err := audienceValues(c.Context().QueryArgs())
	if err != nil {
		return err
	}
	to := s.Auth.Now().UTC()
	if q.To != "" {
		to, _ = time.Parse(time.DateOnly, q.To) // validated
	}
	from := to.AddDate(0, 0, -29)
	if q.From != "" {
		from, _ = time.Parse(time.DateOnly, q.From)
	}
	got, err := s.analytics.Audience(c.UserContext(), a.ID, from, to)
	if err != nil {
		return err
	}
	if c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		return audienceCSV(c, a.Slug, got)
	}
	return c.JSON(audienceView{From: got.From.Format(time.DateOnly), To: got.To.Format(time.DateOnly), K: analytics.K,
		Total: got.Total, Suppressed: got.Suppressed, Countries: groupViews(got.Countries), AgeBands: groupViews(got.AgeBands),
		TimeZones: groupViews(got.TimeZones), Tiers: groupViews(got.Tiers), Activity: groupViews(got.Activity)})
}

// audienceValues decodes the query as decodeQuery does, and refuses any
// parameter the route does not take: a filter (?country=NO&tier=superfan)
// would cut the audience down to a few people, so there are none, and
// asking for one is a 400 naming it rather than an answer that ignores it.
func audienceValues(args *fasthttp.Args) (*audienceQuery, error) {
	known := map[string]bool{}
	for _, f := range queryFieldsOf(reflect.TypeFor[audienceQuery]()) {
		known[f.name] = true
	}
	var unknown string
	args.VisitAll(func(key, _ []byte) {
		if k := string(key); unknown == "" && k != "" && !known[k] {
			unknown = k
		}
	})
	if unknown != "" {
		return nil, models.FieldError(unknown, "%q is not a parameter of the audience: it has no filters (they would single out groups under %d people)", unknown, analytics.K)
	}
	return queryValues[audienceQuery](func(name string, _ ...string) string { return string(args.Peek(name)) })
}

func groupViews(gs []analytics.Group) []audienceGroupView {
	out := make([]audienceGroupView, len(gs))
	for i, g := range gs {
		out[i] = audienceGroupView{Label: g.Label, Count: g.Count}
	}
	return out
}

// audienceCSV answers the audience as one CSV table (breakdown, label,
// count), its total first: Accept: text/csv.
func audienceCSV(c *fiber.Ctx, slug string, a *analytics.Audience) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"breakdown", "label", "count"})
	_ = w.Write([]string{"total", "audience", strconv.Itoa(a.Total)})
	for _, part := range []struct {
		name   string
		groups []analytics.Group
	}{{"country", a.Countries}, {"age_band", a.AgeBands}, {"time_zone", a.TimeZones}, {"tier", a.Tiers}, {"activity", a.Activity}} {
		for _, g := range part.groups {
			_ = w.Write([]string{part.name, g.Label, strconv.Itoa(g.Count)})
		}
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	// The slug is [a-z0-9-] (its validation), so the name needs no quoting rules beyond the quotes.
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="audience-%s-%s-%s.csv"`,
		slug, a.From.Format(time.DateOnly), a.To.Format(time.DateOnly)))
	return c.Send(b.Bytes())
}
