package models

import (
	"time"

	"github.com/google/uuid"
)

// AudienceKind is the kind of people a broadcast reaches. Each kind is one
// page query of the broadcast activity (activities.Broadcast.recipients);
// tier members, party RSVPs and an artist's members are kinds to come,
// each with the fields of Audience it needs (a tier, a party).
type AudienceKind string

// AudienceFollowers: the artist's followers.
const AudienceFollowers AudienceKind = "followers"

// Audience is who a broadcast reaches: a kind, and the artist whose
// broadcast it is (who may follow its progress).
type Audience struct {
	Kind     AudienceKind
	ArtistID uuid.UUID
}

// Followers is the audience of an artist's followers.
func Followers(artistID uuid.UUID) Audience {
	return Audience{Kind: AudienceFollowers, ArtistID: artistID}
}

// Broadcast is one notification to an audience.
type Broadcast struct {
	ID        string
	ArtistID  string       // whose broadcast it is
	Audience  AudienceKind // "" in broadcasts started before kinds: followers
	Category  string
	GroupKey  string
	Title     string
	Body      string
	TTL       time.Duration
	CreatedAt time.Time
}

// BroadcastProgress is how far a broadcast got.
type BroadcastProgress struct {
	ArtistID   string `json:"artist_id"`
	Cursor     string `json:"cursor,omitempty"` // the workflow's own; the api blanks it
	Recipients int    `json:"recipients"`
	Pushed     int    `json:"pushed" description:"recipients online when it was sent"`
	Emailed    int    `json:"emailed" description:"recipients whose inbox will email it (after their digest window and quiet hours)"`
	Pages      int    `json:"pages"`
	Done       bool   `json:"done"`
}
