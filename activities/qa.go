package activities

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Broadcaster is the platform's notifier (package notifier) as an activity
// that announces uses it; declared here, where it is used (see Notify).
type Broadcaster interface {
	// Broadcast starts a broadcast of x to the audience; a second call with
	// the same key starts nothing.
	Broadcast(ctx context.Context, audience models.Audience, x notify.Notification, key string) (string, error)
}

// QA opens the monthly Q&A sessions.
type QA struct {
	Store     *store.Store
	Broadcast Broadcaster
}

// OpenQA asks for the session of the month of At.
type OpenQA struct {
	ArtistID uuid.UUID
	At       time.Time
}

// OpenSession opens the artist's session of the month of in.At, or finds
// the one opened already, and announces it to the members of the tiers the
// Q&A is for, once per session (the broadcast's key). A closed club opens
// nothing and answers "": a schedule run can start just before the close
// deletes the schedule.
func (a *QA) OpenSession(ctx context.Context, in OpenQA) (string, error) {
	club, err := a.Store.Club(ctx, in.ArtistID)
	if err != nil || club.ClosedAt != nil {
		return "", err
	}
	artist, err := a.Store.ArtistByID(ctx, in.ArtistID)
	if err != nil {
		return "", err
	}
	s, err := a.Store.OpenQASession(ctx, in.ArtistID, models.QAMonth(in.At), in.At)
	if err != nil {
		return "", err
	}
	var tiers []models.Tier
	for _, spec := range models.Catalogue {
		if spec.Tier.Paid() && models.CanAccess(models.Viewer{Tier: spec.Tier}, models.Resource{Kind: models.ResourceQA, ArtistID: in.ArtistID}, in.At) {
			tiers = append(tiers, spec.Tier)
		}
	}
	_, err = a.Broadcast.Broadcast(ctx, models.Members(in.ArtistID, tiers...), notify.Notification{
		Category: "qa", GroupKey: "qa:" + s.ID.String(), Title: artist.Name + "'s monthly Q&A is open",
		Body: "Ask your questions and vote for the ones you want answered.",
	}, "qa/"+s.ID.String()+"/open")
	return s.ID.String(), err
}
