package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Who may be in a party's room, its seats, and its hosts' kicks and bans.
// A seat is per user (a second tab takes none) and is held in Redis across
// instances; hosts always get in and take no counted seat, so a party's
// capacity is all its fans'. The room's Join and Leave hooks take and give
// back seats, write each stay (party_participants) and batch the arrivals
// and departures to the party's workflow.

// partyKickHold is how long a kick keeps its user out: long enough to make
// the point, short enough that no host has to lift it.
const partyKickHold = time.Minute

// Reasons a party room's socket is taken out (room_left's reason).
const (
	reasonKicked = "kicked"
	reasonBanned = "banned"
	reasonLeft   = "left"
)

// partyEntry decides whether user may be in party p now. A private party
// lets in its hosts, admins, RSVPs and users admitted by its code; code,
// when it is the invite code, admits the user (recorded once every other
// check passed, so the room's access rule, which sees no code, lets them
// in too). Then: not kicked, banned or blocked by the artist, the party
// open, the tier enough.
func (s *Server) partyEntry(ctx context.Context, p *models.Party, user uuid.UUID, role models.Role, code string) error {
	host := p.Hosts(user) || role == models.RoleAdmin
	admit := false
	if p.Private && !host {
		invited, err := s.invitedToParty(ctx, p.ID, user)
		if err != nil {
			return err
		}
		if !invited {
			if code == "" || subtle.ConstantTimeCompare([]byte(code), []byte(p.InviteCode)) != 1 {
				return models.ErrNotFound
			}
			admit = true
		}
	}
	now := s.Auth.Now()
	if !host {
		if err := s.partyShutOut(ctx, p, user, now); err != nil {
			return err
		}
	}
	if !p.Status.Open() {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	tier, err := s.Store.TierOf(ctx, p.ArtistID, user)
	if err != nil {
		return err
	}
	v := models.Viewer{UserID: user, Role: role, Tier: tier}
	if !p.OpenTo(v, now) {
		return models.Locked(v, p.Resource(), now)
	}
	if admit {
		return s.Store.AdmitToParty(ctx, p.ID, user, now)
	}
	return nil
}

// partyShutOut refuses a user a host banned or kicked from the party, or
// whom its artist blocked in their conversation.
func (s *Server) partyShutOut(ctx context.Context, p *models.Party, user uuid.UUID, now time.Time) error {
	banned, err := s.Store.PartyBanned(ctx, p.ID, user, now)
	if err != nil {
		return err
	}
	if banned {
		return models.Errorf(models.CodeForbidden, "a host removed you from this party")
	}
	blocked, err := s.Store.BlockedBy(ctx, p.ArtistID, user)
	if err != nil {
		return err
	}
	if blocked {
		return models.Errorf(models.CodeForbidden, "the artist blocked you")
	}
	return nil
}

// invitedToParty reports whether user RSVP'd to a party or was admitted
// to it by its code.
func (s *Server) invitedToParty(ctx context.Context, partyID, user uuid.UUID) (bool, error) {
	counts, err := s.Store.RSVPCounts(ctx, []uuid.UUID{partyID}, user)
	if err != nil || counts[partyID].Mine {
		return counts[partyID].Mine, err
	}
	return s.Store.PartyAdmitted(ctx, partyID, user)
}

// partyMember is the party and user of a party room's member.
func partyMember(m realtime.Member) (partyID, user uuid.UUID, err error) {
	if partyID, err = uuid.Parse(m.RoomID()); err == nil {
		user, err = uuid.Parse(m.UserID)
	}
	return partyID, user, err
}

// takePartySeat is the party room's Join hook: a seat for the member's
// user (their other sockets share it), or the full error.
func (s *Server) takePartySeat(ctx context.Context, m realtime.Member) error {
	partyID, user, err := partyMember(m)
	if err != nil {
		return models.ErrNotFound
	}
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return err
	}
	limit := p.Capacity
	if p.Hosts(user) {
		limit = -1 // hosts always get in, on no fan's seat
	}
	first, err := s.seats.Take(ctx, m, limit)
	if errors.Is(err, realtime.ErrFull) {
		first, err = s.prioritySeat(ctx, m, p, user)
	}
	if err != nil || !first {
		return err
	}
	if err := s.Store.OpenPartyStay(ctx, partyID, user, s.Auth.Now()); err != nil {
		// The hub tells Leave nothing of a refused join: give the seat back here.
		if _, rerr := s.seats.Release(ctx, m); rerr != nil {
			s.Log.WarnContext(ctx, "party seat of a failed join not released", "party", partyID, "error", rerr)
		}
		return err
	}
	s.rosters.note(partyID, user, true)
	return nil
}

// prioritySeat seats, in a full party, a fan whose reward holds them a
// seat in it (store.ClaimPrioritySeat), outside the count as a host is:
// the room may hold its capacity and its priority seats.
func (s *Server) prioritySeat(ctx context.Context, m realtime.Member, p *models.Party, user uuid.UUID) (bool, error) {
	held, err := s.Store.ClaimPrioritySeat(ctx, p.ArtistID, p.ID, user)
	if err != nil {
		return false, err
	}
	if !held {
		return false, models.Errorf(models.CodeFull, "the party is full")
	}
	return s.seats.Take(ctx, m, -1)
}

// leavePartySeat is the party room's Leave hook: the member's socket off
// its user's seat; their last one closes their stay.
func (s *Server) leavePartySeat(ctx context.Context, m realtime.Member) {
	partyID, user, err := partyMember(m)
	if err != nil {
		return
	}
	last, err := s.seats.Release(ctx, m)
	if err != nil {
		s.Log.WarnContext(ctx, "party seat not released", "party", partyID, "user", user, "error", err)
		return
	}
	if !last {
		return
	}
	if err := s.Store.ClosePartyStay(ctx, partyID, user, s.Auth.Now()); err != nil {
		s.Log.WarnContext(ctx, "party stay not closed", "party", partyID, "user", user, "error", err)
	}
	s.rosters.note(partyID, user, false)
}

// partyListenerCount is how many users are in a party's room now.
func (s *Server) partyListenerCount(ctx context.Context, partyID uuid.UUID) (int, error) {
	return s.seats.Count(ctx, realtime.PartyRoom(partyID.String()))
}

// removeFromParty is a host's kick (target kept out for partyKickHold) or
// ban (until lifted) of target, stored first; then every instance takes
// target's sockets out of the room, their access now refused.
func (s *Server) removeFromParty(ctx context.Context, actor, partyID, target uuid.UUID, ban bool) error {
	p, err := s.hostOf(ctx, partyID, actor)
	if err != nil {
		return err
	}
	if p.Hosts(target) {
		return models.Errorf(models.CodeForbidden, "a host cannot be kicked or banned")
	}
	if _, err := s.Store.UserByID(ctx, target); err != nil {
		return err
	}
	now := s.Auth.Now()
	var until *time.Time
	reason := reasonBanned
	if !ban {
		end := now.Add(partyKickHold)
		until, reason = &end, reasonKicked
	}
	if err := s.Store.BanFromParty(ctx, p.ID, target, actor, until, now); err != nil {
		return err
	}
	return s.Hub.Recheck(ctx, realtime.PartyRoom(p.ID.String()), target.String(), reason)
}
