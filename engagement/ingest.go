package engagement

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/counters"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
)

// Limits of client events (docs/engagement.md, "Client events").
const (
	// MaxBatch is the most events one call takes.
	MaxBatch = counters.MaxBatch
	// MaxAge is how far behind the server clock an event may be: a client
	// offline for a while still reports its last day.
	MaxAge = 24 * time.Hour
	// MaxAhead is how far ahead of it an event may be: clock skew, no more
	// (a future watermark would hold back all of the fan's credit).
	MaxAhead = time.Minute
	// SeenFor is how long a client id is remembered in the counters: past
	// MaxAge plus MaxAhead, so an id is refused for as long as its event
	// could be accepted; the unique index in PostgreSQL stays behind it.
	SeenFor = 48 * time.Hour
	// MaxProgressSeconds bounds one progress event, beside the item's
	// duration: a client reports progress at least hourly.
	MaxProgressSeconds = 3600
)

// clientID is what a client event id may be: it is part of a Redis key
// and of the stored once key, so no spaces, braces or control bytes.
var clientID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// Event is one client event as the caller sent it. Progress names a
// content item and its seconds; a share names a content item or a party.
// There is no user: events are the caller's own.
type Event struct {
	ClientID  string
	Action    models.Action
	At        time.Time
	Seconds   int64
	ContentID uuid.UUID
	PartyID   uuid.UUID
}

// Result is what became of a batch: each event is accepted, a duplicate
// of one seen before, or refused for one reason.
type Result struct {
	Accepted   int
	Duplicates int
	Refused    Refused
}

// Refused counts a batch's refused events by reason.
type Refused struct {
	TooOld      int // at more than MaxAge ago
	Future      int // at more than MaxAhead ahead
	NotFound    int // no such item (or a private party)
	Locked      int // an item the caller may not open now
	Own         int // the artist's own item
	Implausible int // seconds beyond the item or the hour, or none left on the fan's wall clock
}

// Ingest checks client events and buffers the accepted ones for the
// flush (EngagementFlushWorkflow).
type Ingest struct {
	Store    *store.Store
	Counters counters.Counters
	Buffer   counters.Buffer
	Now      func() time.Time
}

// Ingest takes a batch of the caller's events. A batch that is not well
// formed (over MaxBatch, an unknown action, a field its action needs
// missing) is an invalid-input error naming the field and changes
// nothing; otherwise each event is accepted or counted in the Result
// under why it was not, and the accepted ones are pushed to the buffer
// with a server id and the once key "client:{client_id}". An error after
// the checks (Redis down) loses at most that batch: its ids are seen, so
// a retry counts them as duplicates.
func (in *Ingest) Ingest(ctx context.Context, userID uuid.UUID, role models.Role, events []Event) (Result, error) {
	if err := Check(events); err != nil {
		return Result{}, err
	}
	now := in.Now()
	var res Result
	b := batch{userID: userID, role: role, now: now}
	for i := range events {
		e := &events[i]
		switch {
		case e.At.Before(now.Add(-MaxAge)):
			res.Refused.TooOld++
		case e.At.After(now.Add(MaxAhead)):
			res.Refused.Future++
		default:
			b.events = append(b.events, pending{Event: e})
		}
	}
	if err := in.resolve(ctx, &b, &res); err != nil {
		return Result{}, err
	}
	if err := in.dedupe(ctx, &b, &res); err != nil {
		return Result{}, err
	}
	if err := in.credit(ctx, &b, &res); err != nil {
		return Result{}, err
	}
	items := make([][]byte, 0, len(b.events))
	for _, p := range b.events {
		once := "client:" + p.ClientID
		items = append(items, models.EngagementEvent{ID: models.NewID(), UserID: userID, ArtistID: p.artist,
			Action: p.Action, Amount: p.amount, At: p.At.UTC(), OnceKey: &once}.Encode())
	}
	if err := in.Buffer.Push(ctx, items); err != nil {
		return Result{}, err
	}
	res.Accepted = len(items)
	return res, nil
}

// batch is the events of one call still in the running, and whose.
type batch struct {
	userID uuid.UUID
	role   models.Role
	now    time.Time
	events []pending
}

// pending is an event with what the checks found: the artist of the
// item it names, and the amount it earns.
type pending struct {
	*Event
	artist  uuid.UUID
	amount  int64
	seconds int64 // progress: the claim, before crediting
}

// keep keeps the events keep says yes to.
func (b *batch) keep(keep func(p *pending) bool) {
	kept := b.events[:0]
	for i := range b.events {
		if keep(&b.events[i]) {
			kept = append(kept, b.events[i])
		}
	}
	b.events = kept
}

// Check refuses, as an invalid-input error naming the field, a batch no
// client should send; Ingest checks first.
func Check(events []Event) error {
	if len(events) > MaxBatch {
		return models.FieldError("events", "events must hold at most %d events", MaxBatch)
	}
	for i, e := range events {
		field := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
		if !clientID.MatchString(e.ClientID) {
			return models.FieldError(field("client_id"), "%s must be 1 to 64 letters, digits or . _ : -", field("client_id"))
		}
		switch e.Action {
		case models.ActionProgress:
			if e.ContentID == uuid.Nil || e.PartyID != uuid.Nil {
				return models.FieldError(field("content_id"), "progress names a content_id, and no party_id")
			}
			if e.Seconds < 1 {
				return models.FieldError(field("seconds"), "%s must be at least 1", field("seconds"))
			}
		case models.ActionShare:
			if (e.ContentID == uuid.Nil) == (e.PartyID == uuid.Nil) {
				return models.FieldError(field("content_id"), "a share names a content_id or a party_id")
			}
			if e.Seconds != 0 {
				return models.FieldError(field("seconds"), "a share has no seconds")
			}
		default:
			return models.FieldError(field("action"), "%s must be one of: progress, share", field("action"))
		}
		if e.At.IsZero() {
			return models.FieldError(field("at"), "%s is required", field("at"))
		}
	}
	return nil
}

// resolve finds the item each event names, in one read for the batch,
// and keeps the events whose item exists, is not the caller's own and
// opens to the caller now; an event's artist is its item's.
func (in *Ingest) resolve(ctx context.Context, b *batch, res *Result) error {
	if len(b.events) == 0 {
		return nil
	}
	named := map[uuid.UUID]bool{} // a batch names few items, many times
	var contentIDs, partyIDs []uuid.UUID
	for _, p := range b.events {
		id, ids := p.ContentID, &contentIDs
		if id == uuid.Nil {
			id, ids = p.PartyID, &partyIDs
		}
		if !named[id] {
			named[id] = true
			*ids = append(*ids, id)
		}
	}
	contents, parties, err := in.Store.EngagementTargets(ctx, contentIDs, partyIDs)
	if err != nil {
		return err
	}
	tiers, err := in.tiers(ctx, b.userID)
	if err != nil {
		return err
	}
	// Content a reward unlocked for the caller opens as it does on every
	// content route: one read per artist the batch names (usually one).
	unlocked := map[uuid.UUID]map[uuid.UUID]bool{}
	for _, item := range contents {
		if _, ok := unlocked[item.ArtistID]; !ok {
			if unlocked[item.ArtistID], err = in.Store.Unlocked(ctx, item.ArtistID, b.userID); err != nil {
				return err
			}
		}
	}
	b.keep(func(p *pending) bool {
		var r models.Resource
		switch item, party := contents[p.ContentID], parties[p.PartyID]; {
		case item != nil:
			r = item.Resource()
			if p.Action == models.ActionProgress {
				if !item.Kind.Playable() || p.Seconds > min(int64(item.DurationSeconds), MaxProgressSeconds) {
					res.Refused.Implausible++
					return false
				}
				p.seconds = p.Seconds
			}
		case party != nil && !party.Private: // a private party needs its code, which events do not carry
			r = party.Resource()
		default:
			res.Refused.NotFound++
			return false
		}
		v := models.Viewer{UserID: b.userID, Role: b.role, Tier: tierOf(tiers, r.ArtistID), Unlocked: unlocked[r.ArtistID]}
		switch {
		case r.ArtistID == b.userID:
			res.Refused.Own++
			return false
		case !models.CanAccess(v, r, b.now):
			res.Refused.Locked++
			return false
		}
		p.artist, p.amount = r.ArtistID, 1
		return true
	})
	return nil
}

// tiers is the caller's tier with each artist they are a member of.
func (in *Ingest) tiers(ctx context.Context, userID uuid.UUID) (map[uuid.UUID]models.Tier, error) {
	subs, err := in.Store.FanMemberships(ctx, userID)
	out := make(map[uuid.UUID]models.Tier, len(subs))
	for _, s := range subs {
		if _, ok := out[s.ArtistID]; !ok { // live ones come first
			out[s.ArtistID] = s.EffectiveTier()
		}
	}
	return out, err
}

func tierOf(tiers map[uuid.UUID]models.Tier, artist uuid.UUID) models.Tier {
	if t, ok := tiers[artist]; ok {
		return t
	}
	return models.TierFollower
}

// dedupe keeps the events whose client id is seen for the first time (in
// one round trip for the batch).
func (in *Ingest) dedupe(ctx context.Context, b *batch, res *Result) error {
	if len(b.events) == 0 {
		return nil
	}
	ids := make([]string, len(b.events))
	for i, p := range b.events {
		ids[i] = p.ClientID
	}
	fresh, err := in.Counters.FirstSeen(ctx, b.userID.String(), ids, SeenFor)
	if err != nil {
		return err
	}
	i := 0
	b.keep(func(*pending) bool {
		i++
		if !fresh[i-1] {
			res.Duplicates++
		}
		return fresh[i-1]
	})
	return nil
}
