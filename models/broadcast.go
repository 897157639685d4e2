package models

import (
	"time"

	"github.com/google/uuid"
)

// AudienceKind is the kind of people a broadcast reaches. Each kind is one
// page query of the broadcast activity (activities.Broadcast.recipients),
// with the fields of Audience it needs (tiers, a party).
type AudienceKind string

// Audience kinds.
const (
	AudienceFollowers  AudienceKind = "followers"   // the artist's followers
	AudienceMembers    AudienceKind = "members"     // live members of Tiers, following or not
	AudienceNonMembers AudienceKind = "non_members" // followers holding no live membership
	// A party's RSVPs, the artist's live members of Tiers' paid tiers, and
	// its followers when Tiers holds TierFollower: each once.
	AudienceParty AudienceKind = "party"
)

// Audience is who a broadcast reaches: a kind, the artist whose broadcast
// it is (who may follow its progress), and the kind's fields.
type Audience struct {
	Kind     AudienceKind
	ArtistID uuid.UUID
	Tiers    []Tier    // AudienceMembers: the paid tiers reached; AudienceParty: the tiers let in
	PartyID  uuid.UUID // AudienceParty
}

// Followers is the audience of an artist's followers.
func Followers(artistID uuid.UUID) Audience {
	return Audience{Kind: AudienceFollowers, ArtistID: artistID}
}

// Members is the audience of an artist's live members of the given tiers.
func Members(artistID uuid.UUID, tiers ...Tier) Audience {
	return Audience{Kind: AudienceMembers, ArtistID: artistID, Tiers: tiers}
}

// NonMembers is the audience of an artist's followers who are not members.
func NonMembers(artistID uuid.UUID) Audience {
	return Audience{Kind: AudienceNonMembers, ArtistID: artistID}
}

// PartyGuests is the audience of a party: its RSVPs, and the artist's
// followers and members of the tiers given (none: the RSVPs alone).
func PartyGuests(artistID, partyID uuid.UUID, tiers ...Tier) Audience {
	return Audience{Kind: AudienceParty, ArtistID: artistID, PartyID: partyID, Tiers: tiers}
}

// Broadcast is one notification to an audience.
type Broadcast struct {
	ID        string
	ArtistID  string       // whose broadcast it is
	Audience  AudienceKind // "" in broadcasts started before kinds: followers
	Tiers     []Tier       // AudienceMembers, AudienceParty: the tiers reached
	PartyID   string       // AudienceParty: whose RSVPs
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
	WebPushed  int    `json:"web_pushed" description:"recipients the broadcast sent a web push to (on at least one browser); those whose inbox pushes it are not counted"`
	Pages      int    `json:"pages"`
	Done       bool   `json:"done"`
}
