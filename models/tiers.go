package models

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Tier is a level of a fan's membership in an artist's club.
type Tier string

// Tiers, lowest first.
const (
	TierFollower  Tier = "follower"
	TierSupporter Tier = "supporter"
	TierSuperfan  Tier = "superfan"
)

// Rank orders tiers: follower 0, supporter 1, superfan 2; -1 for an unknown tier.
func (t Tier) Rank() int { return slices.Index(tierOrder, t) }

// Paid reports whether t is a tier a fan pays for.
func (t Tier) Paid() bool { return t.Rank() > 0 }

var tierOrder = []Tier{TierFollower, TierSupporter, TierSuperfan}

// AndAbove is t and every tier above it: those a min_tier of t lets in.
func (t Tier) AndAbove() []Tier {
	if t.Rank() < 0 {
		return nil
	}
	return slices.Clone(tierOrder[t.Rank():])
}

// Perk is something a tier unlocks.
type Perk string

// Perks.
const (
	PerkPublicContent  Perk = "public_content"
	PerkPublicParties  Perk = "public_parties"
	PerkNotifications  Perk = "notifications"
	PerkExclusiveTrack Perk = "exclusive_tracks"
	PerkMonthlyQA      Perk = "monthly_qa"
	PerkDirectMessages Perk = "direct_messages"
	PerkBackstage      Perk = "virtual_backstage"
	PerkLiveSessions   Perk = "live_sessions"
)

// TierSpec is what a tier costs and unlocks.
type TierSpec struct {
	Tier        Tier
	PriceCents  int64
	EarlyAccess time.Duration
	DMQuota     int    // direct messages to the artist per period
	Perks       []Perk // including those inherited from lower tiers
}

// Catalogue is the default tier catalogue, lowest tier first; higher
// tiers inherit the perks of lower ones.
var Catalogue = []TierSpec{
	{Tier: TierFollower, Perks: []Perk{PerkPublicContent, PerkPublicParties, PerkNotifications}},
	{Tier: TierSupporter, PriceCents: 500, EarlyAccess: 24 * time.Hour,
		Perks: []Perk{PerkPublicContent, PerkPublicParties, PerkNotifications, PerkExclusiveTrack, PerkMonthlyQA}},
	{Tier: TierSuperfan, PriceCents: 1000, EarlyAccess: 48 * time.Hour, DMQuota: 5,
		Perks: []Perk{PerkPublicContent, PerkPublicParties, PerkNotifications, PerkExclusiveTrack, PerkMonthlyQA,
			PerkDirectMessages, PerkBackstage, PerkLiveSessions}},
}

// Currency of every price on the platform.
const Currency = "usd"

// Spec returns the catalogue entry of a tier.
func Spec(t Tier) (TierSpec, bool) {
	if r := t.Rank(); r >= 0 {
		return Catalogue[r], true
	}
	return TierSpec{}, false
}

// Terms are a club's prices and DM quota: the catalogue's defaults with
// the artist's overrides applied. A membership keeps the terms it was
// bought on until the fan changes tier.
type Terms struct {
	Currency       string
	SupporterCents int64
	SuperfanCents  int64
	DMQuota        int // superfan DMs per period
}

// DefaultTerms are the catalogue's terms.
func DefaultTerms() Terms {
	return Terms{Currency: Currency, SupporterCents: Catalogue[1].PriceCents, SuperfanCents: Catalogue[2].PriceCents, DMQuota: Catalogue[2].DMQuota}
}

// Price is the monthly price of a tier in cents.
func (t Terms) Price(tier Tier) int64 {
	switch tier {
	case TierSupporter:
		return t.SupporterCents
	case TierSuperfan:
		return t.SuperfanCents
	}
	return 0
}

// Quota is the number of DMs a tier may send the artist per period.
func (t Terms) Quota(tier Tier) int {
	if spec, ok := Spec(tier); ok && slices.Contains(spec.Perks, PerkDirectMessages) {
		return t.DMQuota
	}
	return 0
}

// ResourceKind is a kind of thing a tier may unlock.
type ResourceKind string

// Resource kinds.
const (
	ResourceContent     ResourceKind = "content"      // a release or track, maybe exclusive, maybe not yet public
	ResourceParty       ResourceKind = "party"        // a listening party; MinTier > follower for members-only
	ResourceQA          ResourceKind = "qa"           // the monthly Q&A
	ResourceDM          ResourceKind = "dm"           // sending the artist a direct message
	ResourceBackstage   ResourceKind = "backstage"    // the virtual backstage
	ResourceLiveSession ResourceKind = "live_session" // a live session
)

// ResourceKinds lists every kind, for exhaustive tests.
var ResourceKinds = []ResourceKind{ResourceContent, ResourceParty, ResourceQA, ResourceDM, ResourceBackstage, ResourceLiveSession}

// perkOf is the perk each kind needs; content and parties decide by their own tier.
var perkOf = map[ResourceKind]Perk{
	ResourceQA: PerkMonthlyQA, ResourceDM: PerkDirectMessages,
	ResourceBackstage: PerkBackstage, ResourceLiveSession: PerkLiveSessions,
}

// Resource is something of an artist's a user wants to reach.
type Resource struct {
	ID       uuid.UUID // content: the item, which a viewer's unlocks may name
	Kind     ResourceKind
	ArtistID uuid.UUID
	MinTier  Tier       // content and parties: the lowest tier let in ("" = follower)
	PublicAt *time.Time // content: when it becomes public; earlier tiers get early access
}

// Viewer is who asks, with their tier in the resource's artist's club
// (TierFollower when they hold no live membership).
type Viewer struct {
	UserID uuid.UUID
	Role   Role
	Tier   Tier
	// Unlocked is the content the viewer was granted as a reward: open to
	// them whatever its tier and time (nil: none).
	Unlocked map[uuid.UUID]bool
}

// CanAccess is the one access rule of the platform: every handler that
// serves tiered things asks it. The artist and admins see everything;
// perks follow the tier; content not yet public opens to a tier
// earlyAccess(tier) before its public time; an item the viewer unlocked
// is open to them.
func CanAccess(v Viewer, r Resource, now time.Time) bool {
	if v.Role == RoleAdmin || v.UserID == r.ArtistID || (r.Kind == ResourceContent && v.Unlocked[r.ID]) {
		return true
	}
	spec, ok := Spec(v.Tier)
	if !ok {
		return false
	}
	if perk, ok := perkOf[r.Kind]; ok {
		return slices.Contains(spec.Perks, perk)
	}
	if r.MinTier != "" && (r.MinTier.Rank() < 0 || v.Tier.Rank() < r.MinTier.Rank()) {
		return false
	}
	if r.Kind == ResourceContent && r.PublicAt != nil {
		return !now.Before(r.PublicAt.Add(-spec.EarlyAccess))
	}
	return r.Kind == ResourceContent || r.Kind == ResourceParty
}

// AvailableAt is when CanAccess starts to let v reach r: the zero time when
// it always has, false when it never will at v's tier. It asks the one rule
// at the two instants the catalogue can make it change.
func AvailableAt(v Viewer, r Resource) (time.Time, bool) {
	if CanAccess(v, r, time.Time{}) {
		return time.Time{}, true
	}
	if spec, ok := Spec(v.Tier); ok && r.PublicAt != nil {
		if at := r.PublicAt.Add(-spec.EarlyAccess); CanAccess(v, r, at) {
			return at, true
		}
	}
	return time.Time{}, false
}
