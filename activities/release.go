package activities

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Release announces a release's phases.
type Release struct {
	Store      *store.Store
	Broadcasts Broadcaster
}

// Announcement is one phase of a release told to the audience that just
// gained access; Key is unique to the release and phase.
type Announcement struct {
	ContentID uuid.UUID
	Key       string
	GroupKey  string
	Audience  models.Audience
	Title     string
	Body      string
}

// Announce starts the announcement's broadcast and returns its id. A
// retry starts nothing new: the broadcast id derives from the key. It
// follows the content as it is when the window opens: a deleted item, or
// one whose minimum tier is above the audience's (nobody there gains
// access), is announced to nobody, and the id is "".
func (a *Release) Announce(ctx context.Context, in Announcement) (string, error) {
	item, err := a.Store.Content(ctx, in.ContentID)
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	tier := models.TierFollower // non-members
	if in.Audience.Kind == models.AudienceMembers && len(in.Audience.Tiers) > 0 {
		tier = in.Audience.Tiers[0]
	}
	if tier.Rank() < item.MinTier.Rank() {
		return "", nil
	}
	return a.Broadcasts.Broadcast(ctx, in.Audience,
		notify.Notification{Category: "release", GroupKey: in.GroupKey, Title: in.Title, Body: in.Body}, in.Key)
}
