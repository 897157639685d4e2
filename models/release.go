package models

import (
	"time"

	"github.com/google/uuid"
)

// Release is a piece of content's way to the public: members hear of it
// and may open it early (EarlyAccess of their tier before PublicAt),
// everyone at PublicAt. It holds ids, a title and a time, no personal data.
type Release struct {
	ContentID uuid.UUID
	ArtistID  uuid.UUID
	Title     string
	PublicAt  time.Time
}

// ReleasePhase is how far a release has come; the ReleasePhase search
// attribute holds it.
type ReleasePhase string

// Release phases, in order; ReleaseCancelled ends a release early.
const (
	ReleaseScheduled      ReleasePhase = "scheduled"
	ReleaseEarlySuperfan  ReleasePhase = "early_superfan"
	ReleaseEarlySupporter ReleasePhase = "early_supporter"
	ReleasePublic         ReleasePhase = "public"
	ReleaseDone           ReleasePhase = "done"
	ReleaseCancelled      ReleasePhase = "cancelled"
)

// MaxReleaseLead is how far ahead a release may be scheduled.
const MaxReleaseLead = 365 * 24 * time.Hour

// CheckPublicAt refuses a release time in the past or more than
// MaxReleaseLead after now.
func CheckPublicAt(t, now time.Time) error {
	switch {
	case t.Before(now):
		return FieldError("public_at", "the release time is in the past")
	case t.After(now.Add(MaxReleaseLead)):
		return FieldError("public_at", "the release time is more than a year ahead")
	}
	return nil
}
