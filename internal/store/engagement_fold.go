package store

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// foldEngagement folds events just added to engagement_events (each new:
// none a duplicate) into the scores, the totals and the milestones they
// cross, in the transaction that added them: a score never disagrees
// with its events, and a milestone row is written with the act that
// reached it (the row is the outbox its delivery reads).
func foldEngagement(tx *gorm.DB, added []models.EngagementEvent) error {
	byArtist := map[uuid.UUID][]models.EngagementEvent{}
	for _, e := range added {
		byArtist[e.ArtistID] = append(byArtist[e.ArtistID], e)
	}
	// One order for every transaction, so two folds never wait on each
	// other's rows in a circle.
	for _, artist := range slices.SortedFunc(maps.Keys(byArtist), func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) }) {
		if err := foldArtist(tx, artist, byArtist[artist]); err != nil {
			return err
		}
	}
	return nil
}

// scoreRow is what one fold adds to one engagement_scores row.
type scoreRow struct {
	user     uuid.UUID
	period   string
	d        []float64 // by models.Actions
	score    float64   // Σ weight × d of this addition
	streamed int64
	events   int64
	last     time.Time // the newest event in the addition
}

// actionColumns are the d_ columns, in models.Actions order.
var actionColumns = func() []string {
	cols := make([]string, len(models.Actions))
	for i, a := range models.Actions {
		cols[i] = "d_" + string(a)
	}
	return cols
}()

func foldArtist(tx *gorm.DB, artist uuid.UUID, events []models.EngagementEvent) error {
	set, err := engagementSettings(tx, artist)
	if err != nil {
		return err
	}
	rows := map[[2]string]*scoreRow{}
	var streamed int64
	var last time.Time
	for _, e := range events {
		i := slices.Index(models.Actions, e.Action)
		if i < 0 {
			return models.Errorf(models.CodeInvalid, "unknown engagement action %q", e.Action)
		}
		for _, period := range []string{models.PeriodAll, models.PeriodWeek, models.PeriodMonth} {
			key := models.PeriodKey(period, e.At)
			r := rows[[2]string{e.UserID.String(), key}]
			if r == nil {
				r = &scoreRow{user: e.UserID, period: key, d: make([]float64, len(models.Actions))}
				rows[[2]string{e.UserID.String(), key}] = r
			}
			d := float64(e.Amount)
			if period == models.PeriodAll {
				d *= set.Growth(e.At)
			}
			r.d[i] += d
			r.score += set.Weights.PerUnit(e.Action) * d
			if e.Action.Streams() {
				r.streamed += e.Amount
			}
			r.events++
			r.last = maxTime(r.last, e.At)
		}
		if e.Action.Streams() {
			streamed += e.Amount
		}
		last = maxTime(last, e.At)
	}
	list := slices.SortedFunc(maps.Values(rows), func(a, b *scoreRow) int {
		return cmp.Or(strings.Compare(a.user.String(), b.user.String()), strings.Compare(a.period, b.period))
	})
	for chunk := range slices.Chunk(list, 1000) {
		if err := upsertScores(tx, artist, set, chunk); err != nil {
			return err
		}
	}
	if streamed == 0 {
		return nil
	}
	var after int64
	if err := tx.Raw("UPDATE artists SET streamed_seconds = streamed_seconds + ? WHERE id = ? RETURNING streamed_seconds", streamed, artist).
		Scan(&after).Error; err != nil {
		return err
	}
	var keys []string
	for _, n := range models.Crossed(models.ArtistMinuteMilestones, float64(after-streamed)/60, float64(after)/60) {
		keys = append(keys, models.ArtistMinutesMilestone(n))
	}
	return reachArtistMilestones(tx, artist, last, keys...)
}

// upsertScores adds rows to engagement_scores in one statement and awards
// the fan milestones the 'all' rows cross. The row lock of the upsert
// orders concurrent folds of one fan, so each sees the totals before and
// after its own addition: exactly one crosses a threshold (and the
// milestone's key keeps it once even so).
func upsertScores(tx *gorm.DB, artist uuid.UUID, set models.EngagementSettings, rows []*scoreRow) error {
	var sql strings.Builder
	sql.WriteString("INSERT INTO engagement_scores (artist_id, user_id, period, " + strings.Join(actionColumns, ", ") + ", score, streamed, events, updated_at) VALUES ")
	values := "(" + strings.Repeat("?, ", 3+len(actionColumns)+3) + "?)"
	var args []any
	for i, r := range rows {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString(values)
		args = append(args, artist, r.user, r.period)
		for _, d := range r.d {
			args = append(args, d)
		}
		args = append(args, r.score, r.streamed, r.events, r.last)
	}
	sql.WriteString(" ON CONFLICT (artist_id, period, user_id) DO UPDATE SET ")
	var score []string
	for i, col := range actionColumns {
		sql.WriteString(col + " = engagement_scores." + col + " + excluded." + col + ", ")
		score = append(score, "? * (engagement_scores."+col+" + excluded."+col+")")
		args = append(args, set.Weights.PerUnit(models.Actions[i]))
	}
	// The score from the sums with today's weights, not an increment: a
	// row an old weight wrote is right again at its next event.
	// updated_at is the newest event the row holds: the clock its score
	// thresholds are read at only moves forward, so some fold crosses each
	// (at an event's own, older time a fold could read the score below a
	// threshold that another fold already read it above).
	sql.WriteString("score = " + strings.Join(score, " + ") + ", streamed = engagement_scores.streamed + excluded.streamed, events = engagement_scores.events + excluded.events, " +
		"updated_at = CASE WHEN excluded.updated_at > engagement_scores.updated_at THEN excluded.updated_at ELSE engagement_scores.updated_at END")
	sql.WriteString(" RETURNING user_id, period, score, streamed, events, updated_at")
	var after []struct {
		UserID    uuid.UUID
		Period    string
		Score     float64
		Streamed  int64
		Events    int64
		UpdatedAt time.Time
	}
	if err := tx.Raw(sql.String(), args...).Scan(&after).Error; err != nil {
		return err
	}
	added := map[[2]string]*scoreRow{}
	for _, r := range rows {
		added[[2]string{r.user.String(), r.period}] = r
	}
	boards := map[string]int64{} // fans new to each period's board
	for _, a := range after {
		r := added[[2]string{a.UserID.String(), a.Period}]
		if r == nil {
			continue
		}
		if a.Events == r.events { // the row holds only this fold's events
			boards[a.Period]++
		}
		if a.Period != models.PeriodAll {
			continue
		}
		var keys []string
		for _, n := range models.Crossed(models.FanMinuteMilestones, float64(a.Streamed-r.streamed)/60, float64(a.Streamed)/60) {
			keys = append(keys, models.FanMinutesMilestone(n))
		}
		for _, n := range models.Crossed(models.ScoreMilestones, set.Decay(a.Score-r.score, a.UpdatedAt), set.Decay(a.Score, a.UpdatedAt)) {
			keys = append(keys, models.ScoreMilestone(n))
		}
		for _, k := range keys {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
				Create(&models.UserMilestone{UserID: a.UserID, ArtistID: artist, Key: k, AwardedAt: r.last}).Error; err != nil {
				return err
			}
		}
	}
	for _, period := range slices.Sorted(maps.Keys(boards)) {
		if err := tx.Exec("INSERT INTO engagement_boards (artist_id, period, fans) VALUES (?, ?, ?) "+
			"ON CONFLICT (artist_id, period) DO UPDATE SET fans = engagement_boards.fans + excluded.fans", artist, period, boards[period]).Error; err != nil {
			return err
		}
	}
	return nil
}

// reachArtistMilestones records the artist's milestones reached at at,
// each once.
func reachArtistMilestones(tx *gorm.DB, artist uuid.UUID, at time.Time, keys ...string) error {
	for _, k := range keys {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&models.ArtistMilestone{ArtistID: artist, Key: k, ReachedAt: at.UTC()}).Error; err != nil {
			return err
		}
	}
	return nil
}

// engagementSettings reads an artist's settings, the defaults when they
// set none.
func engagementSettings(tx *gorm.DB, artist uuid.UUID) (models.EngagementSettings, error) {
	var set models.EngagementSettings
	err := tx.Where("artist_id = ?", artist).Take(&set).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.DefaultEngagementSettings(artist), nil
	}
	return set, err
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
