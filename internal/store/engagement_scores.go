package store

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// EngagementSettings returns an artist's tuning, the defaults when none
// is set.
func (s *Store) EngagementSettings(ctx context.Context, artistID uuid.UUID) (models.EngagementSettings, error) {
	return engagementSettings(s.DB(ctx), artistID)
}

// SaveEngagementSettings sets an artist's tuning and rewrites the scores
// it changes, in one transaction: every score from its sums with the new
// weights and, when the half-life changed, the decayed sums from the
// artist's events (their cost grows with the events: a rare edit).
func (s *Store) SaveEngagementSettings(ctx context.Context, set models.EngagementSettings) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		old, err := engagementSettings(tx, set.ArtistID)
		if err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&set).Error; err != nil {
			return err
		}
		if old.HalfLifeDays != set.HalfLifeDays {
			if err := redecay(tx, set); err != nil {
				return err
			}
		}
		var terms []string
		var args []any
		for i, col := range actionColumns {
			terms = append(terms, "? * "+col)
			args = append(args, set.Weights.PerUnit(models.Actions[i]))
		}
		return tx.Exec("UPDATE engagement_scores SET score = "+strings.Join(terms, " + ")+" WHERE artist_id = ?",
			append(args, set.ArtistID)...).Error
	})
}

// redecay recomputes the decayed sums of the artist's 'all' rows with the
// half-life of set.
func redecay(tx *gorm.DB, set models.EngagementSettings) error {
	rows, err := tx.Model(&models.EngagementEvent{}).Select("user_id, action, amount, at").
		Where("artist_id = ?", set.ArtistID).Order("user_id").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	sums := map[uuid.UUID][]float64{}
	for rows.Next() {
		var e models.EngagementEvent
		if err := tx.ScanRows(rows, &e); err != nil {
			return err
		}
		d := sums[e.UserID]
		if d == nil {
			d = make([]float64, len(models.Actions))
			sums[e.UserID] = d
		}
		for i, a := range models.Actions {
			if a == e.Action {
				d[i] += float64(e.Amount) * set.Growth(e.At)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for user, d := range sums {
		upd := map[string]any{}
		for i, col := range actionColumns {
			upd[col] = d[i]
		}
		if err := tx.Model(&models.EngagementScore{}).Where("artist_id = ? AND period = ? AND user_id = ?", set.ArtistID, models.PeriodAll, user).
			Updates(upd).Error; err != nil {
			return err
		}
	}
	return nil
}

// LeaderRow is one fan on an artist's leaderboard.
type LeaderRow struct {
	UserID uuid.UUID
	Name   string
	Score  float64 // as stored: decayed sums for the 'all' period
	Rank   int64   // 1 + the fans above, hidden ones included: ties share one
}

// Leaderboard pages an artist's fans in a period (a models.PeriodKey), the
// highest score first. Ranks count every fan, so a fan who hides
// themselves keeps their place and a page may hold fewer rows than limit
// (or none) while a next cursor remains.
func (s *Store) Leaderboard(ctx context.Context, artistID uuid.UUID, period string, limit int, cursor string) ([]LeaderRow, string, error) {
	q := s.DB(ctx).Table("engagement_scores e").Select("e.user_id, u.display_name AS name, e.score, u.leaderboard_hidden AS hidden").
		Joins("JOIN users u ON u.id = e.user_id").Where("e.artist_id = ? AND e.period = ?", artistID, period)
	if cursor != "" {
		score, user, err := parseScoreCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		// score <= ? bounds the index range; the rest of the condition
		// alone would be a filter over every row above the cursor.
		q = q.Where("e.score <= ? AND (e.score < ? OR e.user_id > ?)", score, score, user)
	}
	type row struct {
		LeaderRow
		Hidden bool
	}
	var rows []row
	if err := q.Order("e.score DESC, e.user_id").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next, err := page(rows, limit, func(r row) string {
		return strconv.FormatFloat(r.Score, 'g', -1, 64) + "|" + r.UserID.String()
	})
	if err != nil || len(rows) == 0 {
		return nil, next, err
	}
	top := rows[0]
	above, err := s.fansAbove(ctx, artistID, period, top.Score)
	if err != nil {
		return nil, "", err
	}
	// Fans tied with the page's first on an earlier page are above the
	// page's lower scores too.
	var tied int64
	if cursor != "" {
		if err := s.DB(ctx).Model(&models.EngagementScore{}).Where("artist_id = ? AND period = ? AND score = ? AND user_id < ?",
			artistID, period, top.Score, top.UserID).Count(&tied).Error; err != nil {
			return nil, "", err
		}
	}
	var shown []LeaderRow
	group := 0 // where the run of rows tied with row i starts
	for i := range rows {
		if i > 0 && rows[i].Score < rows[i-1].Score {
			group = i
		}
		rows[i].Rank = above + 1
		if rows[i].Score < top.Score {
			rows[i].Rank += tied + int64(group)
		}
		if !rows[i].Hidden {
			shown = append(shown, rows[i].LeaderRow)
		}
	}
	return shown, next, nil
}

func (s *Store) fansAbove(ctx context.Context, artistID uuid.UUID, period string, score float64) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.EngagementScore{}).Where("artist_id = ? AND period = ? AND score > ?", artistID, period, score).Count(&n).Error
	return n, err
}

func parseScoreCursor(c string) (float64, uuid.UUID, error) {
	bad := models.FieldError("cursor", "cursor is not one this api gave")
	i := strings.LastIndexByte(c, '|')
	if i < 0 {
		return 0, uuid.Nil, bad
	}
	score, err := strconv.ParseFloat(c[:i], 64)
	if err != nil || math.IsNaN(score) || math.IsInf(score, 0) {
		return 0, uuid.Nil, bad
	}
	user, err := uuid.Parse(c[i+1:])
	if err != nil {
		return 0, uuid.Nil, bad
	}
	return score, user, nil
}

// Standing is a fan's place among an artist's fans in a period.
type Standing struct {
	Score     models.EngagementScore // zero sums when the fan has none
	Rank      int64                  // 1 + the fans above (0 without a score)
	AtOrBelow int64                  // fans with a score at most the fan's, the fan included
	Fans      int64                  // fans with a score in the period
}

// Standing returns a fan's score row and place in a period.
func (s *Store) Standing(ctx context.Context, artistID, userID uuid.UUID, period string) (Standing, error) {
	var st Standing
	db := s.DB(ctx)
	var rows []models.EngagementScore
	if err := db.Where("artist_id = ? AND period = ? AND user_id = ?", artistID, period, userID).Limit(1).Find(&rows).Error; err != nil {
		return st, err
	}
	if err := db.Table("engagement_boards").Select("fans").Where("artist_id = ? AND period = ?", artistID, period).Scan(&st.Fans).Error; err != nil {
		return st, err
	}
	if len(rows) == 0 {
		st.Score = models.EngagementScore{ArtistID: artistID, UserID: userID, Period: period}
		return st, nil
	}
	st.Score = rows[0]
	above, err := s.fansAbove(ctx, artistID, period, st.Score.Score)
	if err != nil {
		return st, err
	}
	st.Rank, st.AtOrBelow = above+1, st.Fans-above
	return st, nil
}
