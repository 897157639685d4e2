package models

import (
	"time"

	"github.com/google/uuid"
)

// ContentKind is what a content item is.
type ContentKind string

// Content kinds.
const (
	ContentTrack ContentKind = "track"
	ContentPost  ContentKind = "post"
	ContentVideo ContentKind = "video"
)

// Playable reports whether a kind has a duration and plays.
func (k ContentKind) Playable() bool { return k == ContentTrack || k == ContentVideo }

// Content is a track, post or video of an artist, maybe for members only
// (MinTier above follower), maybe not public yet (PublicAt). Its media is
// an uploaded blob (MediaKey, the blob store's unguessable key, with the
// type sniffed from its bytes) or an external https URL, or none.
type Content struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	ArtistID        uuid.UUID
	Kind            ContentKind
	Title           string
	Body            string
	DurationSeconds int
	MediaKey        string
	MediaType       string
	MediaSize       int64
	MediaURL        string
	MinTier         Tier
	PublicAt        *time.Time // nil: public since it was made (for its tier)
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       *time.Time
}

// TableName is the table of content rows.
func (Content) TableName() string { return "contents" }

// Resource is the content as models.CanAccess sees it.
func (c *Content) Resource() Resource {
	return Resource{ID: c.ID, Kind: ResourceContent, ArtistID: c.ArtistID, MinTier: c.MinTier, PublicAt: c.PublicAt}
}

// Play is one play report of a track or video by a user.
type Play struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	ContentID       uuid.UUID
	ArtistID        uuid.UUID
	UserID          uuid.UUID
	PositionSeconds int
	SecondsListened int // capped: see store.RecordPlay
	CreatedAt       time.Time
}

// Locked is the 403 of content (or a party) v may not reach at now: the lowest tier
// let in now (the content's own tier while no tier is yet) and, when v's
// tier will get it, the time it opens to them.
func Locked(v Viewer, r Resource, now time.Time) *Error {
	what := "this content"
	if r.Kind == ResourceParty {
		what = "this party"
	}
	e := Errorf(CodeForbidden, "%s is not open to you", what)
	e.RequiredTier = r.MinTier
	if e.RequiredTier == "" {
		e.RequiredTier = TierFollower
	}
	for _, spec := range Catalogue {
		if CanAccess(Viewer{Role: RoleFan, Tier: spec.Tier}, r, now) {
			e.RequiredTier = spec.Tier
			break
		}
	}
	e.Message = what + " is for " + string(e.RequiredTier) + " members and up"
	if at, ok := AvailableAt(v, r); ok {
		e.AvailableAt = at
		e.Message = what + " opens to you at " + at.UTC().Format(time.RFC3339)
	}
	return e
}
