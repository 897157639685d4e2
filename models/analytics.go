package models

import (
	"time"

	"github.com/google/uuid"
)

// Grain is the length of a roll-up's bucket.
type Grain string

// The grains: UTC days and months.
const (
	GrainDay   Grain = "day"
	GrainMonth Grain = "month"
)

// Rollup is one metric of one artist over one bucket (docs/analytics.md,
// "Roll-ups"): a flow summed over the bucket, or for a snap.* metric the
// state at its end.
type Rollup struct {
	ArtistID uuid.UUID
	Grain    Grain
	Bucket   time.Time
	Metric   string
	Value    int64
}

func (Rollup) TableName() string { return "analytics_rollups" }

// SnapshotPrefix starts the metrics that are a state at the bucket's end,
// not a sum over it.
const SnapshotPrefix = "snap."

// Figures are metric values by name.
type Figures map[string]int64
