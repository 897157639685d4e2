package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
)

// RollupSums sums an artist's flows over the buckets of a grain in
// [from, to).
func (s *Store) RollupSums(ctx context.Context, artistID uuid.UUID, grain models.Grain, from, to time.Time) (models.Figures, error) {
	var rows []models.Rollup
	err := s.DB(ctx).Model(&models.Rollup{}).Select("metric, sum(value) AS value").
		Where("artist_id = ? AND grain = ? AND bucket >= ? AND bucket < ? AND metric NOT LIKE ? AND metric NOT IN ?",
			artistID, grain, from.UTC(), to.UTC(), models.SnapshotPrefix+"%", distinct).
		Group("metric").Scan(&rows).Error
	out := models.Figures{}
	for _, r := range rows {
		out[r.Metric] = r.Value
	}
	return out, err
}

// RollupSeries is an artist's rows of a grain in [from, to), by bucket.
func (s *Store) RollupSeries(ctx context.Context, artistID uuid.UUID, grain models.Grain, from, to time.Time) ([]models.Rollup, error) {
	var rows []models.Rollup
	err := s.DB(ctx).Where("artist_id = ? AND grain = ? AND bucket >= ? AND bucket < ?", artistID, grain, from.UTC(), to.UTC()).
		Order("bucket, metric").Find(&rows).Error
	return rows, err
}

// SnapshotAt is an artist's snapshots at the start of a UTC day, as the
// latest day rolled up before it left them (a day's snapshot is written
// when they changed that day, so every day before must be rolled up).
func (s *Store) SnapshotAt(ctx context.Context, artistID uuid.UUID, day time.Time) (models.Figures, error) {
	out := models.Figures{}
	for _, m := range SnapshotMetrics {
		var v []int64
		if err := s.DB(ctx).Model(&models.Rollup{}).Where("artist_id = ? AND grain = ? AND metric = ? AND bucket < ?", artistID, models.GrainDay, m, DayOf(day)).
			Order("bucket DESC").Limit(1).Pluck("value", &v).Error; err != nil {
			return nil, err
		}
		if len(v) == 1 {
			out[m] = v[0]
		}
	}
	return out, nil
}
