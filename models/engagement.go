package models

import (
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
)

// Action is a kind of act that counts towards a fan's engagement with an
// artist (docs/engagement.md, "One event stream").
type Action string

// The actions; their amounts are seconds for play, progress and listen,
// and 1 for the rest.
const (
	ActionPlay       Action = "play"     // a play report (store.RecordPlay)
	ActionProgress   Action = "progress" // play progress a client reports
	ActionListen     Action = "listen"   // a stay in a party's room
	ActionChat       Action = "chat"     // a party chat line
	ActionReaction   Action = "reaction" // a party reaction
	ActionDM         Action = "dm"
	ActionDMReaction Action = "dm_reaction"
	ActionFollow     Action = "follow"
	ActionQuestion   Action = "question" // a Q&A question
	ActionShare      Action = "share"    // a share a client reports
)

// EngagementEvent is one act of a fan towards an artist, stored
// append-only. OnceKey, unique per user, makes an event count once: a
// client's event id, or an act that earns once ("follow:{artist}").
type EngagementEvent struct {
	ID       uuid.UUID
	UserID   uuid.UUID
	ArtistID uuid.UUID
	Action   Action
	Amount   int64
	At       time.Time
	OnceKey  *string
}

func (EngagementEvent) TableName() string { return "engagement_events" }

// Actions lists every action in a fixed order: the columns of
// engagement_scores and the breakdown of a score.
var Actions = []Action{ActionPlay, ActionProgress, ActionListen, ActionChat, ActionReaction,
	ActionDM, ActionDMReaction, ActionFollow, ActionQuestion, ActionShare}

// Streams reports whether the action's amount is seconds of listening,
// which the minute milestones count.
func (a Action) Streams() bool {
	return a == ActionPlay || a == ActionProgress || a == ActionListen
}

// Weights are points per unit of each action: per minute for the actions
// that stream, per act for the rest.
type Weights map[Action]float64

// DefaultWeights are the weights of an artist who set none
// (docs/engagement.md, "Scoring").
func DefaultWeights() Weights {
	return Weights{ActionPlay: 1, ActionProgress: 1, ActionListen: 2, ActionChat: 2, ActionReaction: 0.5,
		ActionDM: 5, ActionDMReaction: 1, ActionFollow: 10, ActionQuestion: 5, ActionShare: 8}
}

// PerUnit is the weight of one unit of the action's amount (a second of
// the streaming actions).
func (w Weights) PerUnit(a Action) float64 {
	if a.Streams() {
		return w[a] / 60
	}
	return w[a]
}

// Engagement tuning bounds and defaults.
const (
	DefaultHalfLifeDays = 30
	MinHalfLifeDays     = 7
	MaxHalfLifeDays     = 365
	MaxWeight           = 1000
)

// DecayEpoch is the instant decayed sums are measured from: an event at at
// adds amount × 2^((at − DecayEpoch)/H), so newer events weigh more and one
// addition never rewrites older ones. At the shortest half-life the factor
// stays inside a float64 for about 19 years after it.
var DecayEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// EngagementSettings is an artist's tuning of their fans' scores.
type EngagementSettings struct {
	ArtistID     uuid.UUID `gorm:"primaryKey"`
	Weights      Weights   `gorm:"serializer:json"`
	HalfLifeDays int
	UpdatedAt    time.Time
}

func (EngagementSettings) TableName() string { return "engagement_settings" }

// DefaultEngagementSettings are an artist's settings until they set some.
func DefaultEngagementSettings(artistID uuid.UUID) EngagementSettings {
	return EngagementSettings{ArtistID: artistID, Weights: DefaultWeights(), HalfLifeDays: DefaultHalfLifeDays}
}

// halfLife is H in seconds.
func (s EngagementSettings) halfLife() float64 { return float64(s.HalfLifeDays) * 86400 }

// Growth is 2^((at − DecayEpoch)/H): what one unit at at adds to a decayed
// sum.
func (s EngagementSettings) Growth(at time.Time) float64 {
	return math.Exp2(at.Sub(DecayEpoch).Seconds() / s.halfLife())
}

// Decay turns a decayed sum into its value at now: sum × 2^−(now − DecayEpoch)/H.
func (s EngagementSettings) Decay(sum float64, now time.Time) float64 {
	return sum / s.Growth(now)
}

// Periods of a leaderboard.
const (
	PeriodAll   = "all"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// PeriodKey is the row key of the period (all, week or month) that holds
// at: "all", "w2026-12-07" (the week from that Monday, UTC) or "m2026-12".
func PeriodKey(period string, at time.Time) string {
	at = at.UTC()
	switch period {
	case PeriodWeek:
		monday := at.AddDate(0, 0, -((int(at.Weekday()) + 6) % 7))
		return "w" + monday.Format(time.DateOnly)
	case PeriodMonth:
		return "m" + at.Format("2006-01")
	}
	return PeriodAll
}

// Milestone thresholds (docs/engagement.md, "Milestones").
var (
	// FanMinuteMilestones are a fan's streaming minutes of one artist.
	FanMinuteMilestones = []int64{1_000, 10_000, 100_000}
	// ScoreMilestones are a fan's score with one artist, decayed.
	ScoreMilestones = []int64{100, 1_000, 10_000}
	// FollowerMilestones are an artist's follower count.
	FollowerMilestones = []int64{100, 1_000, 10_000, 100_000}
	// ArtistMinuteMilestones are an artist's total streaming minutes.
	ArtistMinuteMilestones = []int64{1_000, 10_000, 100_000}
)

// Milestone keys built from a threshold.
func FanMinutesMilestone(n int64) string    { return fmt.Sprintf("minutes_%d", n) }
func ScoreMilestone(n int64) string         { return fmt.Sprintf("score_%d", n) }
func FollowersMilestone(n int64) string     { return fmt.Sprintf("followers_%d", n) }
func ArtistMinutesMilestone(n int64) string { return fmt.Sprintf("artist_minutes_%d", n) }
func ClubGoalMilestone(members int) string  { return fmt.Sprintf("club_members_%d", members) }

// Crossed lists the thresholds t with before < t ≤ after.
func Crossed(thresholds []int64, before, after float64) []int64 {
	var out []int64
	for _, t := range thresholds {
		if before < float64(t) && float64(t) <= after {
			out = append(out, t)
		}
	}
	return out
}

// ArtistMilestone is a milestone of the artist's own, reached once.
type ArtistMilestone struct {
	ArtistID    uuid.UUID `gorm:"primaryKey"`
	Key         string    `gorm:"primaryKey"`
	ReachedAt   time.Time
	DeliveredAt *time.Time
}

// EngagementScore is one fan × artist × period row of sums (decayed for
// the 'all' period): D by models.Actions, Score their weighted total.
type EngagementScore struct {
	ArtistID    uuid.UUID `gorm:"primaryKey"`
	UserID      uuid.UUID `gorm:"primaryKey"`
	Period      string    `gorm:"primaryKey"`
	DPlay       float64
	DProgress   float64
	DListen     float64
	DChat       float64
	DReaction   float64
	DDM         float64 `gorm:"column:d_dm"`
	DDMReaction float64 `gorm:"column:d_dm_reaction"`
	DFollow     float64
	DQuestion   float64
	DShare      float64
	Score       float64
	Streamed    int64
	UpdatedAt   time.Time
}

func (EngagementScore) TableName() string { return "engagement_scores" }

// Sum is the row's sum of one action.
func (s EngagementScore) Sum(a Action) float64 {
	return map[Action]float64{ActionPlay: s.DPlay, ActionProgress: s.DProgress, ActionListen: s.DListen, ActionChat: s.DChat,
		ActionReaction: s.DReaction, ActionDM: s.DDM, ActionDMReaction: s.DDMReaction, ActionFollow: s.DFollow,
		ActionQuestion: s.DQuestion, ActionShare: s.DShare}[a]
}
