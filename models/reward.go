package models

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RewardKind is what a reward gives a fan (docs/engagement.md, "Rewards").
type RewardKind string

// Reward kinds.
const (
	RewardBadge        RewardKind = "badge"
	RewardUnlock       RewardKind = "content_unlock" // one item opened to the fan whatever its tier and time
	RewardDiscount     RewardKind = "discount_code"  // a single-use code for the artist's store
	RewardMeetGreet    RewardKind = "meet_greet"     // a seat at a virtual meet & greet, first come
	RewardPrioritySeat RewardKind = "priority_seat"  // a seat in the artist's next party, full or not
)

// RewardKinds lists every kind.
var RewardKinds = []RewardKind{RewardBadge, RewardUnlock, RewardDiscount, RewardMeetGreet, RewardPrioritySeat}

// Limits of a reward configuration.
const (
	MaxRewardRules    = 50
	MaxRewardTitle    = 100
	MaxDiscountDays   = 365
	MaxMeetGreetSeats = 10000
	MaxMeetGreetAhead = 365 * 24 * time.Hour
)

// RewardRule is one reward an artist's fan milestone grants.
type RewardRule struct {
	ID           uuid.UUID `gorm:"primaryKey"`
	ArtistID     uuid.UUID
	MilestoneKey string
	Position     int // order within the milestone's rewards
	Kind         RewardKind
	Title        string
	ContentID    *uuid.UUID // content_unlock
	PercentOff   int        // discount_code
	ValidDays    int        // discount_code: the code expires this many days after the grant
	Seats        int        // meet_greet: seats of the meet & greet at MeetAt
	MeetAt       *time.Time // meet_greet
	CreatedAt    time.Time
}

// RewardGrant is a reward given to a fan, once per fan and rule.
type RewardGrant struct {
	ID           uuid.UUID `gorm:"primaryKey"`
	UserID       uuid.UUID
	ArtistID     uuid.UUID
	MilestoneKey string
	RuleID       uuid.UUID // no foreign key: a replaced configuration keeps what it granted
	Kind         RewardKind
	Title        string
	ContentID    *uuid.UUID
	Code         *string // discount_code: unique, random, single-use
	PercentOff   int
	ExpiresAt    *time.Time
	RedeemedAt   *time.Time
	MeetAt       *time.Time
	PartyID      *uuid.UUID // priority_seat: the party it was used in
	GrantedAt    time.Time
}

// MeetGreet is the seat pool of an artist's meet & greet at one time,
// shared by every rule that names it.
type MeetGreet struct {
	ArtistID uuid.UUID `gorm:"primaryKey"`
	MeetAt   time.Time `gorm:"primaryKey"`
	Seats    int
	Taken    int
}

// RewardGrantView is a grant as its fan sees it, in lists and in the
// reward:granted socket event.
type RewardGrantView struct {
	ID           string     `json:"id"`
	ArtistID     string     `json:"artist_id"`
	MilestoneKey string     `json:"milestone_key"`
	Kind         RewardKind `json:"kind"`
	Title        string     `json:"title"`
	ContentID    string     `json:"content_id,omitempty"`
	Code         string     `json:"code,omitempty" description:"discount_code: give it to the artist's store"`
	PercentOff   int        `json:"percent_off,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	RedeemedAt   *time.Time `json:"redeemed_at,omitempty"`
	MeetAt       *time.Time `json:"meet_at,omitempty"`
	PartyID      string     `json:"party_id,omitempty" description:"priority_seat: the party it was used in"`
	GrantedAt    time.Time  `json:"granted_at"`
}

// View is the grant as its fan sees it.
func (g *RewardGrant) View() RewardGrantView {
	v := RewardGrantView{ID: g.ID.String(), ArtistID: g.ArtistID.String(), MilestoneKey: g.MilestoneKey, Kind: g.Kind,
		Title: g.Title, PercentOff: g.PercentOff, ExpiresAt: utcPtr(g.ExpiresAt), RedeemedAt: utcPtr(g.RedeemedAt),
		MeetAt: utcPtr(g.MeetAt), GrantedAt: g.GrantedAt.UTC()}
	if g.ContentID != nil {
		v.ContentID = g.ContentID.String()
	}
	if g.Code != nil {
		v.Code = *g.Code
	}
	if g.PartyID != nil {
		v.PartyID = g.PartyID.String()
	}
	return v
}

// MilestoneEvent is the engagement:milestone socket event: a milestone
// the fan reached with an artist.
type MilestoneEvent struct {
	ArtistID string    `json:"artist_id"`
	Key      string    `json:"key"`
	At       time.Time `json:"at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// FanMilestone reports whether key is a milestone a fan reaches with an
// artist (and so may carry rewards): the minute and score thresholds and
// the support durations. The artist's own milestones are not.
func FanMilestone(key string) bool {
	switch key {
	case MilestoneSupport1Month, MilestoneSupport6Months, MilestoneSupport1Year:
		return true
	}
	return slices.ContainsFunc(FanMinuteMilestones, func(n int64) bool { return key == FanMinutesMilestone(n) }) ||
		slices.ContainsFunc(ScoreMilestones, func(n int64) bool { return key == ScoreMilestone(n) })
}

// Check validates a rule as its artist sends it, at now; field prefixes
// the field names of the errors.
func (r *RewardRule) Check(field string, now time.Time) error {
	r.Title = strings.TrimSpace(r.Title)
	switch {
	case !FanMilestone(r.MilestoneKey):
		return FieldError(field+"milestone_key", "unknown fan milestone %q", r.MilestoneKey)
	case !slices.Contains(RewardKinds, r.Kind):
		return FieldError(field+"kind", "kind must be badge, content_unlock, discount_code, meet_greet or priority_seat")
	case r.Title == "" || len([]rune(r.Title)) > MaxRewardTitle:
		return FieldError(field+"title", "title is required (at most %d characters)", MaxRewardTitle)
	case (r.Kind == RewardUnlock) != (r.ContentID != nil):
		return FieldError(field+"content_id", "content_id is required for content_unlock and only there")
	case r.Kind == RewardDiscount && (r.PercentOff < 1 || r.PercentOff > 100):
		return FieldError(field+"percent_off", "percent_off must be 1 to 100")
	case r.Kind == RewardDiscount && (r.ValidDays < 1 || r.ValidDays > MaxDiscountDays):
		return FieldError(field+"valid_days", "valid_days must be 1 to %d", MaxDiscountDays)
	case r.Kind != RewardDiscount && (r.PercentOff != 0 || r.ValidDays != 0):
		return FieldError(field+"percent_off", "percent_off and valid_days are for discount_code only")
	case r.Kind == RewardMeetGreet && (r.Seats < 1 || r.Seats > MaxMeetGreetSeats):
		return FieldError(field+"seats", "seats must be 1 to %d", MaxMeetGreetSeats)
	case r.Kind == RewardMeetGreet && (r.MeetAt == nil || !r.MeetAt.After(now) || r.MeetAt.Sub(now) > MaxMeetGreetAhead):
		return FieldError(field+"meet_at", "meet_at must be in the future, at most a year ahead")
	case r.Kind != RewardMeetGreet && (r.Seats != 0 || r.MeetAt != nil):
		return FieldError(field+"seats", "seats and meet_at are for meet_greet only")
	}
	return nil
}

// MilestoneText says a milestone in words, for notifications: "one month
// of support", "1000 minutes of listening", "100 followers".
func MilestoneText(key string) string {
	if s, ok := supportText[key]; ok {
		return s + " of support"
	}
	for _, f := range []struct{ format, text string }{
		{"minutes_%d", "%d minutes of listening"}, {"score_%d", "an engagement score of %d"},
		{"followers_%d", "%d followers"}, {"artist_minutes_%d", "%d minutes streamed"}, {"club_members_%d", "%d club members"},
	} {
		var n int64
		if _, err := fmt.Sscanf(key, f.format, &n); err == nil && fmt.Sprintf(f.format, n) == key {
			return fmt.Sprintf(f.text, n)
		}
	}
	return key
}

// supportText names the support-duration milestones' spans.
var supportText = map[string]string{
	MilestoneSupport1Month: "one month", MilestoneSupport6Months: "six months", MilestoneSupport1Year: "one year",
}
