package activities

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// The socket events of a delivered milestone, into the fan's user:{id}.
// A retried TellFan may publish them again: clients key them by artist
// and milestone, and by grant id.
const (
	EventMilestone     realtime.EventType[models.MilestoneEvent]  = "engagement:milestone"
	EventRewardGranted realtime.EventType[models.RewardGrantView] = "reward:granted"
)

// UserRooms publishes to users' rooms (realtime.Publisher).
type UserRooms interface {
	Publish(ctx context.Context, room string, ev realtime.Event) (uint64, error)
}

// Reward does the I/O of a RewardWorkflow: the milestone's rules, each
// grant, telling fan and artist, marking the milestone delivered. Every
// method is idempotent; nothing personal or secret (names, codes) goes
// back into the workflow's history.
type Reward struct {
	Store  *store.Store
	Notify Notify
	Rooms  UserRooms
	Now    func() time.Time
}

// Milestone names a fan's milestone with an artist.
type Milestone struct {
	UserID   uuid.UUID
	ArtistID uuid.UUID
	Key      string
}

// Grant asks for one rule's reward, granted at At.
type Grant struct {
	Milestone Milestone
	Rule      models.RewardRule
	At        time.Time
}

// Plan is what a milestone grants, as its artist configures it when the
// workflow reads it.
type Plan struct {
	Reached bool // false: the milestone's row is gone, and nothing is delivered
	Rules   []models.RewardRule
	// At is when the milestone was reached: the time of its grants and
	// notifications, the same however often a killed worker's task is
	// tried again (their keys derive from it).
	At time.Time
}

// Plan reads the milestone's row and its rewards.
func (a *Reward) Plan(ctx context.Context, m Milestone) (Plan, error) {
	row, err := a.Store.UserMilestone(ctx, m.UserID, m.ArtistID, m.Key)
	if errors.Is(err, models.ErrNotFound) {
		return Plan{}, nil
	} else if err != nil {
		return Plan{}, err
	}
	rules, err := a.Store.RewardRulesFor(ctx, m.ArtistID, m.Key)
	return Plan{Reached: true, Rules: rules, At: row.AwardedAt.UTC()}, err
}

// Grant gives the rule's reward to the fan once, and returns the grant's
// id: the first grant's on a retry, "" when a meet & greet has no seat
// left (the fan is told of the others).
func (a *Reward) Grant(ctx context.Context, in Grant) (string, error) {
	r, m := in.Rule, in.Milestone
	g := &models.RewardGrant{ID: models.NewID(), UserID: m.UserID, ArtistID: m.ArtistID, MilestoneKey: m.Key, RuleID: r.ID,
		Kind: r.Kind, Title: r.Title, ContentID: r.ContentID, MeetAt: r.MeetAt, GrantedAt: in.At}
	if r.Kind == models.RewardDiscount {
		code, expires := discountCode(), in.At.AddDate(0, 0, r.ValidDays)
		g.Code, g.PercentOff, g.ExpiresAt = &code, r.PercentOff, &expires
	}
	got, err := a.Store.GrantReward(ctx, g)
	if models.ErrorCode(err) == models.CodeFull {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return got.ID.String(), nil
}

// TellFan notifies the fan of the milestone and what it granted (once:
// the notification's key) and publishes engagement:milestone and a
// reward:granted per grant into their room.
func (a *Reward) TellFan(ctx context.Context, m Milestone, at time.Time) error {
	artist, err := a.Store.ArtistByID(ctx, m.ArtistID)
	if err != nil {
		return err
	}
	grants, err := a.Store.MilestoneGrants(ctx, m.UserID, m.ArtistID, m.Key)
	if err != nil {
		return err
	}
	n := notify.Notification{UserID: m.UserID, Category: "milestone", Title: "You reached " + models.MilestoneText(m.Key) + " with " + artist.Name,
		Data: milestoneData(m), Key: sendKey(ctx, "fan"), At: at}
	if len(grants) > 0 {
		n.Category, n.Body = "reward", "Your reward: "+grants[0].Title
		if len(grants) > 1 {
			n.Body = "Your rewards: " + grants[0].Title + " and more"
		}
	}
	if _, err := a.Notify.Send(ctx, n); err != nil {
		return err
	}
	room := realtime.UserRoom(m.UserID.String())
	if _, err := a.Rooms.Publish(ctx, room, EventMilestone.Of(models.MilestoneEvent{ArtistID: m.ArtistID.String(), Key: m.Key, At: at.UTC()})); err != nil {
		return err
	}
	for i := range grants {
		if _, err := a.Rooms.Publish(ctx, room, EventRewardGranted.Of(grants[i].View())); err != nil {
			return err
		}
	}
	return nil
}

// TellArtist notifies the artist of their fan's milestone, once.
func (a *Reward) TellArtist(ctx context.Context, m Milestone, at time.Time) error {
	fan, err := a.Store.UserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	_, err = a.Notify.Send(ctx, notify.Notification{UserID: m.ArtistID, Category: "milestone",
		Title: fan.DisplayName + " reached " + models.MilestoneText(m.Key), Data: milestoneData(m), Key: sendKey(ctx, "artist"), At: at})
	return err
}

// Delivered marks the milestone delivered.
func (a *Reward) Delivered(ctx context.Context, m Milestone) error {
	return a.Store.MarkMilestoneDelivered(ctx, m.UserID, m.ArtistID, m.Key, a.Now())
}

func milestoneData(m Milestone) map[string]any {
	return map[string]any{"artist_id": m.ArtistID.String(), "fan_id": m.UserID.String(), "milestone": m.Key}
}

// sendKey is the idempotency key of one of the workflow's notifications:
// its workflow id (one per milestone) and whom it tells.
func sendKey(ctx context.Context, who string) string {
	return activity.GetInfo(ctx).WorkflowExecution.ID + "/" + who
}

// codeAlphabet leaves out 0/O and 1/I, which a fan reading a code aloud
// would mix up.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// discountCode is 12 random characters: 60 bits, not to be guessed.
func discountCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}
