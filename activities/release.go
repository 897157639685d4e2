package activities

import (
	"context"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
)

// Broadcaster is the platform's notifier (package notifier) as a release
// uses it; declared here for the reason Notify is.
type Broadcaster interface {
	// Broadcast starts one broadcast per key: a second call with the same
	// key starts nothing and returns the same broadcast id.
	Broadcast(ctx context.Context, audience models.Audience, x notify.Notification, key string) (string, error)
}

// Release announces a release's phases.
type Release struct {
	Broadcasts Broadcaster
}

// Announcement is one phase of a release told to the audience that just
// gained access; Key is unique to the release and phase.
type Announcement struct {
	Key      string
	GroupKey string
	Audience models.Audience
	Title    string
	Body     string
}

// Announce starts the announcement's broadcast and returns its id. A
// retry starts nothing new: the broadcast id derives from the key.
func (a *Release) Announce(ctx context.Context, in Announcement) (string, error) {
	return a.Broadcasts.Broadcast(ctx, in.Audience,
		notify.Notification{Category: "release", GroupKey: in.GroupKey, Title: in.Title, Body: in.Body}, in.Key)
}
