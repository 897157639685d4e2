package searchattr

import "go.temporal.io/sdk/temporal"

// The typed search attributes of every workflow of the platform. Operators
// filter on them in the Temporal UI, so they are part of the product; they
// hold ids and states only, never personal data.
var (
	ArtistID           = temporal.NewSearchAttributeKeyKeyword("ArtistId")
	FanID              = temporal.NewSearchAttributeKeyKeyword("FanId")
	Tier               = temporal.NewSearchAttributeKeyKeyword("Tier")
	SubscriptionStatus = temporal.NewSearchAttributeKeyKeyword("SubscriptionStatus")
	PartyStatus        = temporal.NewSearchAttributeKeyKeyword("PartyStatus")
	ReleasePhase       = temporal.NewSearchAttributeKeyKeyword("ReleasePhase")
	NextRenewalAt      = temporal.NewSearchAttributeKeyTime("NextRenewalAt")
)
