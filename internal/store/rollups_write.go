package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// RollUpDay rewrites the roll-up of the UTC day that holds day: every
// artist's flows of the day and, for the artists whose members or
// followers changed that day, their snapshots at its end. The bucket is
// replaced whole in one transaction, so a run is idempotent and a re-run
// of a past day rewrites it with identical numbers. It returns the rows
// written.
func (s *Store) RollUpDay(ctx context.Context, day time.Time) (int, error) {
	start := DayOf(day)
	end := start.AddDate(0, 0, 1)
	flows, err := s.Flows(ctx, start, end, nil)
	if err != nil {
		return 0, err
	}
	var changed []uuid.UUID
	for artist, f := range flows {
		if f[MetricFollowsGained]+f[MetricFollowsLost]+f[MetricMove(models.MoveJoined)]+f[MetricMove(models.MoveReactivated)]+
			f[MetricMove(models.MoveUpgraded)]+f[MetricMove(models.MoveDowngraded)]+f[MetricMove(models.MoveEnded)] > 0 {
			changed = append(changed, artist)
		}
	}
	snaps := map[uuid.UUID]models.Figures{}
	if len(changed) > 0 {
		if snaps, err = s.Snapshots(ctx, time.Time{}, end, changed); err != nil {
			return 0, err
		}
	}
	return s.writeBucket(ctx, models.GrainDay, start, flows, snaps, changed)
}

// RollUpMonth rewrites the roll-up of the UTC month that holds month:
// its flows summed from its days (so its days are rolled up first),
// its distinct fans counted from the acts, and every artist's snapshots
// at its end.
func (s *Store) RollUpMonth(ctx context.Context, month time.Time) (int, error) {
	start := MonthOf(month)
	end := start.AddDate(0, 1, 0)
	var sums []struct {
		ArtistID uuid.UUID
		Metric   string
		Value    int64
	}
	if err := s.DB(ctx).Model(&models.Rollup{}).Select("artist_id, metric, sum(value) AS value").
		Where("grain = ? AND bucket >= ? AND bucket < ? AND metric NOT LIKE ? AND metric NOT IN ?",
			models.GrainDay, start, end, models.SnapshotPrefix+"%", distinct).
		Group("artist_id, metric").Scan(&sums).Error; err != nil {
		return 0, err
	}
	flows := byArtist{}
	for _, r := range sums {
		flows.add(r.ArtistID, r.Metric, r.Value)
	}
	if err := s.distinctFans(ctx, flows, start, end, nil); err != nil {
		return 0, err
	}
	snaps, err := s.Snapshots(ctx, time.Time{}, end, nil)
	if err != nil {
		return 0, err
	}
	return s.writeBucket(ctx, models.GrainMonth, start, flows, snaps, nil)
}

// writeBucket replaces a bucket's rows with flows and snaps; for a day,
// the snapshots of the artists in changed are written even where they
// are 0 (the last member left), so the latest snapshot reads true.
func (s *Store) writeBucket(ctx context.Context, grain models.Grain, bucket time.Time, flows, snaps map[uuid.UUID]models.Figures, changed []uuid.UUID) (int, error) {
	var rows []models.Rollup
	for artist, f := range flows {
		for m, v := range f {
			rows = append(rows, models.Rollup{ArtistID: artist, Grain: grain, Bucket: bucket, Metric: m, Value: v})
		}
	}
	snapped := changed
	if grain == models.GrainMonth {
		snapped = slices.Collect(maps.Keys(snaps))
	}
	for _, artist := range snapped {
		for _, m := range SnapshotMetrics {
			rows = append(rows, models.Rollup{ArtistID: artist, Grain: grain, Bucket: bucket, Metric: m, Value: snaps[artist][m]})
		}
	}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("grain = ? AND bucket = ?", grain, bucket).Delete(&models.Rollup{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateInBatches(rows, 500).Error
	})
	return len(rows), err
}

// SnapshotMetrics are every snapshot a bucket holds.
var SnapshotMetrics = func() []string {
	out := []string{MetricFollowers}
	for _, t := range PaidTiers {
		out = append(out, MetricMembers(t), MetricMRR(t))
	}
	return out
}()

// IsFlow reports whether a metric sums over days.
func IsFlow(metric string) bool {
	return !strings.HasPrefix(metric, models.SnapshotPrefix) && !slices.Contains(distinct, metric)
}

// DayOf is the start of t's UTC day.
func DayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// MonthOf is the start of t's UTC month.
func MonthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
