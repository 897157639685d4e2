package analytics

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// K is the fewest people any figure of an audience answer counts
// (k-anonymity): a smaller group is merged into Other.
const K = 10

// Labels of the audience's groups beyond the attributes' own values.
const (
	Other   = "other"   // the groups merged so that none is under K
	Unknown = "unknown" // no country, birth year or time zone given
	Active  = "active"  // an engagement event towards the artist in the range
	Dormant = "dormant" // none
)

// AgeBands are the age bands, youngest first, then Unknown.
var AgeBands = []string{"under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", Unknown}

// Group is how many people of an audience share a label.
type Group struct {
	Label string
	Count int
}

// Audience is the artist's audience now (who follows them or holds a
// live membership), broken down by attribute and, for the range, by
// activity; every group of it counts at least K people. Under K people
// in all, Suppressed is set and every breakdown is empty.
type Audience struct {
	From, To   time.Time // the range's first and last day, UTC
	Total      int
	Suppressed bool
	Countries  []Group // ISO 3166-1 alpha-2 codes, most people first
	AgeBands   []Group // in AgeBands' order
	TimeZones  []Group // IANA names, most people first
	Tiers      []Group // follower, supporter, superfan
	Activity   []Group // Active, Dormant
}

// Audience answers the artist's audience for the days from to to
// (docs/analytics.md, "Audience"). Who is counted and their countries,
// ages, time zones and tiers are those of now, whatever the range: only
// the split into active and dormant reads it, and it is never crossed
// with an attribute, so no two ranges differ but by that split.
func (a *Analytics) Audience(ctx context.Context, artistID uuid.UUID, from, to time.Time) (*Audience, error) {
	from, to = dayOf(from), dayOf(to)
	if err := checkDays(from, to); err != nil {
		return nil, err
	}
	rows, err := a.Store.AudienceCounts(ctx, artistID, from, to.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	year := a.Now().UTC().Year() // ages now, as the rest of the audience: never the range's
	by := map[string]map[string]int{}
	for _, r := range rows {
		label := r.Label
		switch r.Breakdown {
		case store.ByBirthYear:
			label = ageBand(label, year)
		case store.ByCountry, store.ByTimeZone:
			if label == "" {
				label = Unknown
			}
		}
		if by[r.Breakdown] == nil {
			by[r.Breakdown] = map[string]int{}
		}
		by[r.Breakdown][label] += r.Count
	}
	out := &Audience{From: from, To: to, Countries: []Group{}, AgeBands: []Group{}, TimeZones: []Group{}, Tiers: []Group{}, Activity: []Group{}}
	for _, n := range by[store.ByTier] {
		out.Total += n
	}
	if out.Total < K {
		out.Suppressed = true
		return out, nil
	}
	out.Countries = Anonymize(largestFirst(by[store.ByCountry]), K)
	out.AgeBands = Anonymize(inOrder(by[store.ByBirthYear], AgeBands), K)
	out.TimeZones = Anonymize(largestFirst(by[store.ByTimeZone]), K)
	out.Tiers = Anonymize(inOrder(by[store.ByTier], []string{string(models.TierFollower), string(models.TierSupporter), string(models.TierSuperfan)}), K)
	out.Activity = Anonymize(inOrder(by[store.ByActivity], []string{Active, Dormant}), K)
	return out, nil
}

// Anonymize is the k rule: every group of fewer than k people goes into
// Other; while Other then holds people but fewer than k, the smallest
// group left (the later one of a tie) joins it, until Other holds k or
// everything is Other (every group left holds k, so one is enough). Kept
// groups keep their order, Other comes last; empty groups are left out.
// A group given as Other is merged too. Fed a total of k or more, every
// count it returns is at least k.
func Anonymize(groups []Group, k int) []Group {
	kept, other := make([]Group, 0, len(groups)), 0
	for _, g := range groups {
		switch {
		case g.Count <= 0:
		case g.Count < k || g.Label == Other:
			other += g.Count
		default:
			kept = append(kept, g)
		}
	}
	for other > 0 && other < k && len(kept) > 0 {
		smallest := 0
		for i, g := range kept {
			if g.Count <= kept[smallest].Count {
				smallest = i
			}
		}
		other += kept[smallest].Count
		kept = slices.Delete(kept, smallest, smallest+1)
	}
	if other > 0 {
		kept = append(kept, Group{Label: Other, Count: other})
	}
	return kept
}

// ageBand is the band of a birth year ("" for none) in year; a year
// from the store that does not parse is Unknown.
func ageBand(birthYear string, year int) string {
	born, err := strconv.Atoi(birthYear)
	if err != nil {
		return Unknown
	}
	age := year - born
	for i, upTo := range []int{18, 25, 35, 45, 55, 65} { // the bands' first ages after each
		if age < upTo {
			return AgeBands[i]
		}
	}
	return AgeBands[6]
}

// largestFirst is the groups by count, most first, then by label.
func largestFirst(counts map[string]int) []Group {
	out := make([]Group, 0, len(counts))
	for l, n := range counts {
		out = append(out, Group{Label: l, Count: n})
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label)) })
	return out
}

// inOrder is the groups of the labels, in that order; a label outside
// them (none is expected) goes last, as largestFirst orders them.
func inOrder(counts map[string]int, labels []string) []Group {
	out := make([]Group, 0, len(counts))
	rest := map[string]int{}
	for l, n := range counts {
		rest[l] = n
	}
	for _, l := range labels {
		if n, ok := rest[l]; ok {
			out = append(out, Group{Label: l, Count: n})
			delete(rest, l)
		}
	}
	return append(out, largestFirst(rest)...)
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// checkDays refuses a reversed range of days or one over MaxMonths.
func checkDays(from, to time.Time) error {
	switch {
	case to.Before(from):
		return models.FieldError("to", "to is before from")
	case to.AddDate(0, 0, 1).After(from.AddDate(0, MaxMonths, 0)):
		return models.FieldError("to", "a range covers at most %d months", MaxMonths)
	}
	return nil
}
