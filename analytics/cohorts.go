package analytics

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// MaxMonths is the longest range a query covers.
const MaxMonths = 24

// Cohort is the fans whose first membership of the club started in one
// month, followed month by month: Members[k] of them hold a live
// membership at the end of the k-th month after (0: their own month),
// paying MRR[k] cents a month between them.
type Cohort struct {
	Month   time.Time // the first of the month, UTC
	Size    int
	Members []int
	MRR     []int64
}

// Analytics are the dashboard's use cases.
type Analytics struct {
	Store *store.Store
	Now   func() time.Time
}

// Cohorts returns the monthly cohorts of the artist's club that joined
// from the month of from to the month of to, each followed to the month
// that holds now (docs/analytics.md, "Retention").
func (a *Analytics) Cohorts(ctx context.Context, artistID uuid.UUID, from, to time.Time) ([]Cohort, error) {
	from, to = monthOf(from), monthOf(to)
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	events, err := a.Store.MembershipHistory(ctx, artistID, monthOf(now).AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	byFan := map[uuid.UUID][]models.MembershipEvent{}
	var fans []uuid.UUID
	for _, e := range events {
		if _, ok := byFan[e.FanID]; !ok {
			fans = append(fans, e.FanID)
		}
		byFan[e.FanID] = append(byFan[e.FanID], e)
	}
	var out []Cohort
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		c := Cohort{Month: m}
		for month := m; !month.After(monthOf(now)); month = month.AddDate(0, 1, 0) {
			c.Members, c.MRR = append(c.Members, 0), append(c.MRR, 0)
		}
		out = append(out, c)
	}
	for _, fan := range fans {
		evs := byFan[fan]
		first := monthOf(evs[0].At) // the history is in time order: the first is the join
		i := months(from, first)
		if evs[0].Move != models.MoveJoined || i < 0 || i >= len(out) {
			continue
		}
		c := &out[i]
		c.Size++
		for k := range c.Members {
			end := first.AddDate(0, k+1, 0)
			if live, price := stateAt(evs, end); live {
				c.Members[k]++
				c.MRR[k] += price
			}
		}
	}
	return out, nil
}

// stateAt replays a fan's history to just before end: whether their
// membership grants then, and its price.
func stateAt(evs []models.MembershipEvent, end time.Time) (bool, int64) {
	live, price := false, int64(0)
	for _, e := range evs {
		if !e.At.Before(end) {
			break
		}
		live, price = e.Move != models.MoveEnded, e.PriceAfter
	}
	return live, price
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// months is how many months b is after a (both firsts of months).
func months(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// checkRange refuses a reversed range or one over MaxMonths.
func checkRange(from, to time.Time) error {
	switch {
	case to.Before(from):
		return models.FieldError("to", "to is before from")
	case months(from, to) >= MaxMonths:
		return models.FieldError("to", "a range covers at most %d months", MaxMonths)
	}
	return nil
}
