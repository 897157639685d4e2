package models

import (
	"time"

	"github.com/google/uuid"
)

// MembershipMove is what changed in a membership (docs/analytics.md): the
// movements MRR and churn are counted from.
type MembershipMove string

// The movements.
const (
	MoveJoined        MembershipMove = "joined"         // a first membership starts to grant
	MoveUpgraded      MembershipMove = "upgraded"       // to a higher tier
	MoveDowngraded    MembershipMove = "downgraded"     // to a lower tier, when it takes effect
	MoveCanceled      MembershipMove = "canceled"       // the fan canceled; access until the period ends
	MoveEnded         MembershipMove = "ended"          // access ended (after a cancel, or failed payments)
	MoveReactivated   MembershipMove = "reactivated"    // granting again after it ended
	MovePaymentFailed MembershipMove = "payment_failed" // a charge failed: past due
	MoveRecovered     MembershipMove = "recovered"      // a past-due membership paid
)

// MembershipEvent is one movement of a fan's membership in an artist's
// club, written with the mirror row it changed; append-only. Prices are
// the monthly price in cents of the tier before and after (0 for none).
type MembershipEvent struct {
	ID          uuid.UUID `gorm:"primaryKey"`
	ArtistID    uuid.UUID
	FanID       uuid.UUID
	Move        MembershipMove
	TierBefore  Tier
	TierAfter   Tier
	PriceBefore int64
	PriceAfter  int64
	At          time.Time
}

func (MembershipEvent) TableName() string { return "membership_events" }

// FollowEvent is a follow or an unfollow, append-only: the follows table
// holds only who follows now.
type FollowEvent struct {
	ID       uuid.UUID `gorm:"primaryKey"`
	ArtistID uuid.UUID
	UserID   uuid.UUID
	Followed bool // false: an unfollow
	At       time.Time
}

func (FollowEvent) TableName() string { return "follow_events" }

// Moves classifies a mirror row's change from before (nil: the fan had no
// row) to after: the movements it is, in order; none when nothing an
// analyst counts changed (a renewal, a replayed state, a resumed cancel).
// A membership that starts to grant is a reactivation when the fan was a
// member of the club before (had), a join otherwise: a re-join passes
// through pending, so the row before it no longer tells.
func Moves(before *Subscription, after Subscription, had bool) []MembershipMove {
	was, is := before != nil && before.Status.Grants(), after.Status.Grants()
	switch {
	case !was && is && had:
		return []MembershipMove{MoveReactivated}
	case !was && is:
		return []MembershipMove{MoveJoined}
	case was && !is:
		return []MembershipMove{MoveEnded}
	case !was:
		return nil
	}
	var out []MembershipMove
	switch r := after.Tier.Rank() - before.Tier.Rank(); {
	case r > 0:
		out = append(out, MoveUpgraded)
	case r < 0:
		out = append(out, MoveDowngraded)
	}
	switch {
	case before.Status != StatusPastDue && after.Status == StatusPastDue:
		out = append(out, MovePaymentFailed)
	case before.Status == StatusPastDue && after.Status == StatusActive:
		out = append(out, MoveRecovered)
	case before.Status != StatusCanceling && after.Status == StatusCanceling:
		out = append(out, MoveCanceled)
	}
	return out
}
