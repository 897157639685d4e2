package engagement

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Scores are the use cases of scores: tuning, leaderboards, standings.
type Scores struct {
	Store *store.Store
	Now   func() time.Time
}

// Tuning is a change to an artist's settings: the weights it names (the
// others keep theirs) and, when set, the half-life.
type Tuning struct {
	Weights      map[models.Action]float64
	HalfLifeDays *int
}

// Tune applies t to the artist's settings and rewrites their fans'
// scores to match.
func (s *Scores) Tune(ctx context.Context, artistID uuid.UUID, t Tuning) (models.EngagementSettings, error) {
	set, err := s.Store.EngagementSettings(ctx, artistID)
	if err != nil {
		return set, err
	}
	weights := models.DefaultWeights()
	for a, w := range set.Weights {
		weights[a] = w
	}
	for a, w := range t.Weights {
		if _, ok := weights[a]; !ok {
			return set, models.FieldError("weights."+string(a), "not an action: one of play, progress, listen, chat, reaction, dm, dm_reaction, follow, question, share")
		}
		if w < 0 || w > models.MaxWeight {
			return set, models.FieldError("weights."+string(a), "a weight is between 0 and 1000")
		}
		weights[a] = w
	}
	set.Weights = weights
	if t.HalfLifeDays != nil {
		if *t.HalfLifeDays < models.MinHalfLifeDays || *t.HalfLifeDays > models.MaxHalfLifeDays {
			return set, models.FieldError("half_life_days", "the half-life is between 7 and 365 days")
		}
		set.HalfLifeDays = *t.HalfLifeDays
	}
	set.UpdatedAt = s.Now()
	return set, s.Store.SaveEngagementSettings(ctx, set)
}

// Place is a fan on a leaderboard, with their score now.
type Place struct {
	UserID uuid.UUID
	Name   string
	Score  float64
	Rank   int64
}

// Board pages the artist's leaderboard of a period (models.PeriodAll,
// PeriodWeek or PeriodMonth: the one that holds now).
func (s *Scores) Board(ctx context.Context, artistID uuid.UUID, period string, limit int, cursor string) ([]Place, string, error) {
	set, err := s.Store.EngagementSettings(ctx, artistID)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	rows, next, err := s.Store.Leaderboard(ctx, artistID, models.PeriodKey(period, now), limit, cursor)
	out := make([]Place, len(rows))
	for i, r := range rows {
		out[i] = Place{UserID: r.UserID, Name: r.Name, Score: scoreNow(set, period, r.Score, now), Rank: r.Rank}
	}
	return out, next, err
}

// Part is what one action adds to a score.
type Part struct {
	Action models.Action
	Amount float64 // seconds for the streaming actions, acts for the rest: all time for PeriodAll
	Weight float64 // points per minute or per act
	Points float64 // what it adds to the score now
}

// Standing is a fan's score and place with an artist, and why.
type Standing struct {
	Period     string
	Score      float64
	Rank       int64   // 0 without a score
	Percentile float64 // the share of the artist's fans at or below the fan, in percent
	Fans       int64
	HalfLife   int // days
	Breakdown  []Part
}

// Explain returns the caller's own standing with an artist in a period:
// their score, rank, percentile and each action's part in it.
func (s *Scores) Explain(ctx context.Context, artistID, userID uuid.UUID, period string) (Standing, error) {
	set, err := s.Store.EngagementSettings(ctx, artistID)
	if err != nil {
		return Standing{}, err
	}
	now := s.Now()
	st, err := s.Store.Standing(ctx, artistID, userID, models.PeriodKey(period, now))
	if err != nil {
		return Standing{}, err
	}
	out := Standing{Period: period, Score: scoreNow(set, period, st.Score.Score, now), Rank: st.Rank, Fans: st.Fans, HalfLife: set.HalfLifeDays}
	if st.Fans > 0 && st.Rank > 0 {
		out.Percentile = 100 * float64(st.AtOrBelow) / float64(st.Fans)
	}
	var totals map[models.Action]int64
	if period == models.PeriodAll { // decayed sums are no amounts: count them from the events
		if totals, err = s.Store.EngagementTotals(ctx, userID, artistID); err != nil {
			return Standing{}, err
		}
	}
	for _, a := range models.Actions {
		d := st.Score.Sum(a)
		p := Part{Action: a, Weight: set.Weights[a], Amount: d, Points: scoreNow(set, period, set.Weights.PerUnit(a)*d, now)}
		if totals != nil {
			p.Amount = float64(totals[a])
		}
		out.Breakdown = append(out.Breakdown, p)
	}
	return out, nil
}

// scoreNow is a stored sum's value now: decayed for PeriodAll, as it is
// for a week or a month.
func scoreNow(set models.EngagementSettings, period string, sum float64, now time.Time) float64 {
	if period == models.PeriodAll {
		return set.Decay(sum, now)
	}
	return sum
}
