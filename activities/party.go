package activities

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Discord posts an announcement to an artist's Discord webhook, when the
// artist set one (a nil error and nothing sent otherwise). Declared here,
// where it is used; filled in by the composition root.
type Discord interface {
	Announce(ctx context.Context, artistID uuid.UUID, msg DiscordMessage) error
}

// DiscordMessage is what an announcement says: a line of text and the
// link it points to (the party's share page).
type DiscordMessage struct {
	Content string
	URL     string
	Key     string // unique per announcement: a retry of the same key posts once
}

// Party writes what a PartyWorkflow decides to the party's row, which the
// api reads, and tells its listeners.
type Party struct {
	Store      *store.Store
	Syncs      PartySyncs // nil where no socket listens (tests)
	Rooms      Remover    // nil where no socket listens (tests)
	Broadcasts Broadcaster
	Discord    Discord // nil: no Discord announcements
	PublicURL  string  // the site's base URL, for share links
}

// PartySyncs publishes a party's playback to its listeners, once per
// version however many publish it (partysync.Syncer).
type PartySyncs interface {
	Publish(ctx context.Context, partyID uuid.UUID, pb models.PartyPlayback) error
}

// Remover takes sockets out of a room on every api instance
// (realtime.Publisher).
type Remover interface {
	Remove(ctx context.Context, room, userID, reason string) error
}

// RecordParty writes a party's status and playback, then publishes it: a
// change the api published already (a host's control) is not sent again.
// An ended party's listeners then leave its room (room_left, reason
// ended), which closes their stays and seats.
func (a *Party) RecordParty(ctx context.Context, r models.PartyRecord) error {
	if err := a.Store.SetPartyPlayback(ctx, r); err != nil || a.Syncs == nil {
		return err
	}
	if err := a.Syncs.Publish(ctx, r.PartyID, r.Playback); err != nil {
		return err
	}
	if r.Status != models.PartyEnded || a.Rooms == nil {
		return nil
	}
	return a.Rooms.Remove(ctx, realtime.PartyRoom(r.PartyID.String()), "", realtime.ReasonEnded)
}

// PartyMoment is what a party announces: a reminder before it starts, or
// that it is live.
type PartyMoment string

// The moments a party announces.
const (
	PartyReminder24h PartyMoment = "reminder-24h"
	PartyReminder15m PartyMoment = "reminder-15m"
	PartyLive        PartyMoment = "live"
)

// PartyAnnouncement is one moment of a party to announce; Key is unique to
// the announcement, so a retry (or a later run) makes it once.
type PartyAnnouncement struct {
	PartyID uuid.UUID
	Moment  PartyMoment
	Key     string
}

// AnnounceParty broadcasts a moment of the party to its guests and returns
// the broadcast's id. It follows the row as it is now: a party deleted,
// cancelled or ended (or, for a reminder, already live) is announced to
// nobody (""). Its guests are its RSVPs, always (they asked), and, for a
// public party, the artist's followers and members who can get in (its
// min_tier); a private party's invitation is its hosts' to give, so only
// its RSVPs hear of it.
func (a *Party) AnnounceParty(ctx context.Context, in PartyAnnouncement) (string, error) {
	p, err := a.announceable(ctx, in)
	if p == nil || err != nil {
		return "", err
	}
	audience := models.PartyGuests(p.ArtistID, p.ID)
	if !p.Private {
		audience = models.PartyGuests(p.ArtistID, p.ID, p.MinTier.AndAbove()...)
	}
	title := map[PartyMoment]string{
		PartyReminder24h: "Tomorrow: ", PartyReminder15m: "In 15 minutes: ", PartyLive: "Live now: ",
	}[in.Moment] + p.Title
	body := "The listening party starts at " + p.ScheduledAt.UTC().Format("15:04 MST, Mon 2 Jan") + "."
	if in.Moment == PartyLive {
		body = "The listening party has started: join in."
	}
	return a.Broadcasts.Broadcast(ctx, audience,
		notify.Notification{Category: "party", GroupKey: "party/" + p.ID.String(), Title: title, Body: body}, in.Key)
}

// AnnounceOnDiscord posts a public party's going live to the artist's
// Discord webhook with its share page's link; nothing when no Discord is
// wired, or the party is private, cancelled or over.
func (a *Party) AnnounceOnDiscord(ctx context.Context, in PartyAnnouncement) error {
	if a.Discord == nil {
		return nil
	}
	p, err := a.announceable(ctx, in)
	if p == nil || err != nil || p.Private {
		return err
	}
	url := strings.TrimRight(a.PublicURL, "/") + "/p/" + p.ID.String()
	return a.Discord.Announce(ctx, p.ArtistID, DiscordMessage{Content: "Listening party live now: " + p.Title + " " + url, URL: url, Key: in.Key})
}

// announceable is the party's row when the moment is still worth
// announcing, else nil.
func (a *Party) announceable(ctx context.Context, in PartyAnnouncement) (*models.Party, error) {
	p, err := a.Store.Party(ctx, in.PartyID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil || !p.Status.Open() || (in.Moment != PartyLive && p.Status != models.PartyScheduled) {
		return nil, err
	}
	return p, nil
}

// RecordPartyStats writes a party's stats when it ends.
func (a *Party) RecordPartyStats(ctx context.Context, st models.PartyStats) error {
	return a.Store.SetPartyStats(ctx, st)
}
