package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Listening parties over REST: the rows the PartyWorkflow later plays.
// A private party does not exist to whoever has neither its invite code
// nor a part in it (host, co-host, RSVP); its tier is models.CanAccess's.

const eventPartyCreated realtime.EventType[partyView] = "party:created"

type partyView struct {
	ID               string              `json:"id"`
	ArtistID         string              `json:"artist_id" description:"The host"`
	CoHosts          []string            `json:"co_hosts"`
	Title            string              `json:"title"`
	Description      string              `json:"description"`
	Playlist         []playlistTrackView `json:"playlist"`
	ScheduledAt      time.Time           `json:"scheduled_at"`
	Public           bool                `json:"public"`
	InviteCode       string              `json:"invite_code,omitempty" description:"Private parties, to their hosts only"`
	MinTier          models.Tier         `json:"min_tier"`
	Capacity         int                 `json:"capacity"`
	Status           models.PartyStatus  `json:"status"`
	Playback         playbackView        `json:"playback" description:"As the party's workflow last wrote it"`
	ParticipantCount int                 `json:"participant_count" description:"Listeners in the party now"`
	RSVPCount        int64               `json:"rsvp_count"`
	RSVPed           bool                `json:"rsvped" description:"The caller has RSVP'd"`
	CreatedAt        time.Time           `json:"created_at"`
	CancelledAt      *time.Time          `json:"cancelled_at"`
	Stats            *partyStatsView     `json:"stats" description:"Once the party ended; null before"`
	Locked           bool                `json:"locked" description:"The caller's tier does not open the party: a teaser without description, playlist, co-hosts, playback or stats (min_tier says what opens it)"`
}

type partyStatsView struct {
	PeakListeners    int   `json:"peak_listeners" description:"The most listeners at once"`
	TotalListeners   int   `json:"total_listeners" description:"Everyone who listened"`
	ListeningMinutes int64 `json:"listening_minutes" description:"Every listener's time in the party, added up, to the nearest minute"`
	ChatMessages     int64 `json:"chat_messages"`
	Reactions        int64 `json:"reactions"`
}

type playbackView struct {
	TrackIndex int   `json:"track_index"`
	PositionMs int64 `json:"position_ms"`
	Playing    bool  `json:"playing"`
	Version    int64 `json:"version"`
}

type partyPage struct {
	Items      []partyView `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

type partyQuery struct {
	pageQuery
	ArtistID *uuid.UUID `query:"artist_id" invalid:"artist_id must be an artist id" description:"One artist's parties"`
	Public   string     `query:"public" validate:"omitempty,oneof=true false" invalid:"public must be true or false" enum:"true,false" description:"Only public (true) or only private (false, the caller's own) parties"`
	Status   string     `query:"status" validate:"omitempty,oneof=scheduled live ended cancelled" invalid:"status must be scheduled, live, ended or cancelled" enum:"scheduled,live,ended,cancelled" description:"Default: scheduled and live"`
}

type rsvpRequest struct {
	Code string `json:"code,omitempty" validate:"max=64" description:"A private party's invite code (not needed by its hosts or RSVPs)"`
}

type rsvpView struct {
	RSVPCount int64 `json:"rsvp_count"`
	RSVPed    bool  `json:"rsvped"`
}

type inviteCodeView struct {
	InviteCode string `json:"invite_code"`
}

func (s *Server) partyRoutes(r *routes) {
	limit := s.rateLimit("party", s.Config.MessageRateLimit, userKey)
	host := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}
	r.add(fiber.MethodPost, "/api/parties", op{summary: "Schedule a listening party (artists; Idempotency-Key: a retry answers the first answer); a public one is announced as party:created in artist:{id}", tag: "parties", auth: true,
		in: partyRequest{}, out: partyView{}, status: http.StatusCreated, errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusTooManyRequests}},
		s.authenticate, limit, s.idempotent(), s.createParty)
	r.add(fiber.MethodGet, "/api/parties", op{summary: "Upcoming and live parties, soonest first (private ones only to their hosts)", tag: "parties",
		query: partyQuery{}, out: partyPage{}, errors: []int{http.StatusBadRequest}}, s.authenticateOptional, s.listParties)
	r.add(fiber.MethodGet, "/api/parties/:id", op{summary: "One party; a private one needs ?code= (or being a host or RSVP), else 404; 403 with required_tier above the caller's tier", tag: "parties",
		out: partyView{}, errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.authenticateOptional, s.party)
	r.add(fiber.MethodPatch, "/api/parties/:id", op{summary: "Edit a party that has not ended (its artist)", tag: "parties", auth: true,
		in: partyRequest{}, out: partyView{}, errors: append([]int{http.StatusBadRequest}, host...), owner: artistOwned},
		s.authenticate, limit, s.updateParty)
	r.add(fiber.MethodDelete, "/api/parties/:id", op{summary: "Cancel a party that has not ended (its artist)", tag: "parties", auth: true,
		status: http.StatusNoContent, errors: host, owner: artistOwned}, s.authenticate, limit, s.cancelParty)
	r.add(fiber.MethodPost, "/api/parties/:id/rsvp", op{summary: "RSVP to a party the caller may reach (a private one with its code)", tag: "parties", auth: true,
		in: rsvpRequest{}, out: rsvpView{}, errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}},
		s.authenticate, limit, s.rsvp)
	r.add(fiber.MethodDelete, "/api/parties/:id/rsvp", op{summary: "Withdraw the caller's RSVP", tag: "parties", auth: true,
		out: rsvpView{}, errors: []int{http.StatusNotFound, http.StatusTooManyRequests}}, s.authenticate, limit, s.cancelRSVP)
	r.add(fiber.MethodPost, "/api/parties/:id/cohosts/:userID", op{summary: "Make a registered user a co-host (its artist; at most 10)", tag: "parties", auth: true,
		out: partyView{}, errors: append([]int{http.StatusBadRequest}, host...), owner: artistOwned}, s.authenticate, limit, s.addCoHost)
	r.add(fiber.MethodDelete, "/api/parties/:id/cohosts/:userID", op{summary: "Remove a co-host (its artist)", tag: "parties", auth: true,
		out: partyView{}, errors: host, owner: artistOwned}, s.authenticate, limit, s.removeCoHost)
	r.add(fiber.MethodPost, "/api/parties/:id/invite-code", op{summary: "Replace a private party's invite code (its artist): the old one stops working, and who came in with it (not accepted by a host) is out", tag: "parties", auth: true,
		out: inviteCodeView{}, errors: host, owner: artistOwned}, s.authenticate, limit, s.rotateInviteCode)
	s.partyPlaybackRoutes(r, limit)
	s.partySeatRoutes(r, limit)
	s.partyAdmissionRoutes(r, limit)
}

// newInviteCode is 128 random bits, URL-safe.
func newInviteCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// partyAccess is a party as one caller reaches it.
type partyAccess struct {
	party  *models.Party
	viewer models.Viewer
	rsvps  models.RSVPCount
}

// reachParty is the path's party when the caller may know it exists: a
// private one needs its code, or the caller among its hosts or RSVPs;
// to anyone else it is not found.
func (s *Server) reachParty(c *fiber.Ctx, code string) (*partyAccess, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	p, err := s.Store.Party(ctx, id)
	if err != nil {
		return nil, err
	}
	me, _ := caller(c)
	counts, err := s.Store.RSVPCounts(ctx, []uuid.UUID{p.ID}, me.UserID)
	if err != nil {
		return nil, err
	}
	a := &partyAccess{party: p, rsvps: counts[p.ID]}
	if p.Private && !p.Hosts(me.UserID) && me.Role != models.RoleAdmin && !a.rsvps.Mine &&
		subtle.ConstantTimeCompare([]byte(code), []byte(p.InviteCode)) != 1 {
		return nil, models.ErrNotFound
	}
	a.viewer, err = s.viewerOf(c, p.ArtistID)
	return a, err
}

// openParty is reachParty when the caller's tier lets them in, else the
// 403 naming the tier.
func (s *Server) openParty(c *fiber.Ctx, code string) (*partyAccess, error) {
	a, err := s.reachParty(c, code)
	if err != nil {
		return nil, err
	}
	if now := s.Auth.Now(); !a.party.OpenTo(a.viewer, now) {
		return nil, models.Locked(a.viewer, a.party.Resource(), now)
	}
	return a, nil
}

// hostedParty is the path's party when the caller is its artist (or an
// admin); others are refused as artistOwned says, a private party's
// existence kept from them.
func (s *Server) hostedParty(c *fiber.Ctx) (*models.Party, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Party(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if me, _ := caller(c); !owns(me, p.ArtistID.String()) {
		if p.Private && !p.Hosts(me.UserID) {
			return nil, models.ErrNotFound
		}
		return nil, models.ErrForbidden
	}
	return p, nil
}

// viewParty shows a party to viewer at now, the one view of a party in
// every answer and event: whole when it is open to them (its invite code
// to its hosts only), else a locked teaser.
func viewParty(p *models.Party, rsvps models.RSVPCount, viewer models.Viewer, now time.Time) partyView {
	v := partyView{ID: p.ID.String(), ArtistID: p.ArtistID.String(), CoHosts: []string{}, Title: p.Title, Playlist: []playlistTrackView{},
		ScheduledAt: p.ScheduledAt.UTC(), Public: !p.Private, MinTier: p.MinTier, Capacity: p.Capacity, Status: p.Status,
		RSVPCount: rsvps.Count, RSVPed: rsvps.Mine, CreatedAt: p.CreatedAt.UTC(), CancelledAt: utc(p.CancelledAt)}
	if !p.OpenTo(viewer, now) {
		v.Locked = true
		return v
	}
	v.Description, v.Playlist = p.Description, viewPlaylist(p.Playlist)
	v.Playback = playbackView{TrackIndex: p.TrackIndex, PositionMs: p.PositionMs, Playing: p.Playing, Version: p.PlaybackVersion}
	for _, id := range p.CoHosts {
		v.CoHosts = append(v.CoHosts, id.String())
	}
	if p.Hosts(viewer.UserID) {
		v.InviteCode = p.InviteCode
	}
	if p.Status == models.PartyEnded {
		v.Stats = &partyStatsView{PeakListeners: p.PeakListeners, TotalListeners: p.TotalListeners,
			ListeningMinutes: (p.ListeningMs + 30_000) / 60_000, ChatMessages: p.ChatMessages, Reactions: p.Reactions}
	}
	return v
}

func (s *Server) createParty(c *fiber.Ctx) error {
	req, err := decodeJSON[partyRequest](c)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	if me.Role != models.RoleArtist {
		return models.Errorf(models.CodeForbidden, "only artists host parties")
	}
	now := s.Auth.Now()
	p := &models.Party{ID: models.NewID(), ArtistID: me.UserID, ScheduledAt: now.UTC(), MinTier: models.TierFollower,
		Capacity: partyCapacityMax, Status: models.PartyScheduled, CreatedAt: now, UpdatedAt: now}
	ctx := c.UserContext()
	if err := s.applyParty(ctx, req, p, now); err != nil {
		return err
	}
	if err := s.Store.CreateParty(ctx, p); err != nil {
		return err
	}
	if err := s.startParty(ctx, p); err != nil {
		return err
	}
	v := viewParty(p, models.RSVPCount{}, models.Viewer{UserID: me.UserID, Role: me.Role}, now)
	if !p.Private {
		s.publishPartyCreated(ctx, p)
	}
	return c.Status(http.StatusCreated).JSON(v)
}

// publishPartyCreated tells the artist's crowd room, which anyone may
// join (and replay): the party as an anonymous follower sees it. The row
// is already stored, so a failure only means a fan sees it on their next
// list.
func (s *Server) publishPartyCreated(ctx context.Context, p *models.Party) {
	v := viewParty(p, models.RSVPCount{}, models.Viewer{Tier: models.TierFollower}, s.Auth.Now())
	if _, err := s.Hub.Publish(ctx, realtime.ArtistRoom(p.ArtistID.String()), eventPartyCreated.Of(v)); err != nil {
		s.Log.WarnContext(ctx, "party:created not published", "party", p.ID, "error", err)
	}
}

func (s *Server) updateParty(c *fiber.Ctx) error {
	p, err := s.hostedParty(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[partyRequest](c)
	if err != nil {
		return err
	}
	if !p.Status.Open() {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	moves := req.ScheduledAt != nil || req.Playlist != nil
	if moves && p.Status != models.PartyScheduled {
		return models.Errorf(models.CodeConflict, "a live party's start and playlist are set")
	}
	before := *p
	now := s.Auth.Now()
	ctx := c.UserContext()
	if err := s.applyParty(ctx, req, p, now); err != nil {
		return err
	}
	p.UpdatedAt = now
	if err := s.Store.UpdateParty(ctx, p); err != nil {
		return err
	}
	// The row first, then its PartyWorkflow, whose timers follow the start
	// and the durations; when Temporal refuses (the party went live
	// meanwhile) or is down, the row is put back.
	if moves {
		if err := s.rescheduleParty(ctx, p); err != nil {
			return errors.Join(err, s.Store.UpdateParty(ctx, &before))
		}
	}
	if narrowed(&before, p) {
		s.recheckParty(ctx, p.ID, uuid.Nil, realtime.ReasonAccessChanged)
	}
	return s.hostView(c, p.ID)
}

func (s *Server) cancelParty(c *fiber.Ctx) error {
	p, err := s.hostedParty(c)
	if err != nil {
		return err
	}
	if !p.Status.Open() {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	if err := s.stopParty(c.UserContext(), p.ID); err != nil {
		return err
	}
	if err := s.Store.CancelParty(c.UserContext(), p.ID, s.Auth.Now()); err != nil {
		return err
	}
	// Its listeners leave with it (room_left, reason ended), their seats
	// and stays closed; the row is cancelled, so a failure here is logged.
	if err := s.Hub.Remove(c.UserContext(), realtime.PartyRoom(p.ID.String()), "", realtime.ReasonEnded); err != nil {
		s.Log.WarnContext(c.UserContext(), "cancelled party's room not emptied", "party", p.ID, "error", err)
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) listParties(c *fiber.Ctx) error {
	q, err := decodeQuery[partyQuery](c)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	f := models.PartyFilter{ArtistID: q.ArtistID, Viewer: me.UserID, Statuses: []models.PartyStatus{models.PartyScheduled, models.PartyLive}}
	if q.Status != "" {
		f.Statuses = []models.PartyStatus{models.PartyStatus(q.Status)}
	}
	if q.Public != "" {
		public := q.Public == "true"
		f.Public = &public
	}
	ctx := c.UserContext()
	rows, next, err := s.Store.Parties(ctx, f, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	counts, err := s.Store.RSVPCounts(ctx, ids, me.UserID)
	if err != nil {
		return err
	}
	tiers, err := s.tiersOf(c)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	out := partyPage{Items: make([]partyView, len(rows)), NextCursor: next}
	for i := range rows {
		v := models.Viewer{UserID: me.UserID, Role: me.Role, Tier: tiers.Of(rows[i].ArtistID)}
		out.Items[i] = viewParty(&rows[i], counts[rows[i].ID], v, now)
	}
	return c.JSON(out)
}

func (s *Server) party(c *fiber.Ctx) error {
	a, err := s.openParty(c, c.Query("code"))
	if err != nil {
		return err
	}
	v := viewParty(a.party, a.rsvps, a.viewer, s.Auth.Now())
	if v.ParticipantCount, err = s.partyListenerCount(c.UserContext(), a.party.ID); err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) rsvp(c *fiber.Ctx) error {
	req := &rsvpRequest{}
	if len(c.Body()) > 0 {
		var err error
		if req, err = decodeJSON[rsvpRequest](c); err != nil {
			return err
		}
	}
	a, err := s.openParty(c, req.Code)
	if err != nil {
		return err
	}
	if !a.party.Status.Open() {
		return models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	ctx := c.UserContext()
	if err := s.Store.RSVP(ctx, a.party.ID, a.viewer.UserID, s.Auth.Now()); err != nil {
		return err
	}
	return s.rsvpAnswer(c, a.party.ID, a.viewer.UserID)
}

func (s *Server) cancelRSVP(c *fiber.Ctx) error {
	a, err := s.reachParty(c, "")
	if err != nil {
		return err
	}
	if err := s.Store.CancelRSVP(c.UserContext(), a.party.ID, a.viewer.UserID); err != nil {
		return err
	}
	return s.rsvpAnswer(c, a.party.ID, a.viewer.UserID)
}

func (s *Server) rsvpAnswer(c *fiber.Ctx, partyID, userID uuid.UUID) error {
	counts, err := s.Store.RSVPCounts(c.UserContext(), []uuid.UUID{partyID}, userID)
	if err != nil {
		return err
	}
	return c.JSON(rsvpView{RSVPCount: counts[partyID].Count, RSVPed: counts[partyID].Mine})
}

func (s *Server) addCoHost(c *fiber.Ctx) error {
	p, userID, err := s.coHostTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if userID == p.ArtistID {
		return models.FieldError("userID", "the artist already hosts the party")
	}
	if _, err := s.Store.UserByID(ctx, userID); err != nil {
		return err
	}
	if err := s.Store.AddCoHost(ctx, p.ID, userID, partyCoHostsMax, s.Auth.Now()); err != nil {
		return err
	}
	if err := s.syncCoHosts(ctx, p.ID); err != nil {
		return errors.Join(err, s.Store.RemoveCoHost(ctx, p.ID, userID)) // as it was
	}
	return s.hostView(c, p.ID)
}

func (s *Server) removeCoHost(c *fiber.Ctx) error {
	p, userID, err := s.coHostTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.Store.RemoveCoHost(ctx, p.ID, userID); err != nil {
		return err
	}
	if err := s.syncCoHosts(ctx, p.ID); err != nil {
		return errors.Join(err, s.Store.AddCoHost(ctx, p.ID, userID, partyCoHostsMax, s.Auth.Now())) // as it was
	}
	s.recheckParty(ctx, p.ID, userID, realtime.ReasonAccessChanged)
	return s.hostView(c, p.ID)
}

func (s *Server) coHostTarget(c *fiber.Ctx) (*models.Party, uuid.UUID, error) {
	p, err := s.hostedParty(c)
	if err != nil {
		return nil, uuid.Nil, err
	}
	userID, err := parseID(c, "userID")
	return p, userID, err
}

// hostView answers the party as it is now, to its host.
func (s *Server) hostView(c *fiber.Ctx, id uuid.UUID) error {
	ctx := c.UserContext()
	p, err := s.Store.Party(ctx, id)
	if err != nil {
		return err
	}
	me, _ := caller(c)
	counts, err := s.Store.RSVPCounts(ctx, []uuid.UUID{p.ID}, me.UserID)
	if err != nil {
		return err
	}
	return c.JSON(viewParty(p, counts[p.ID], models.Viewer{UserID: me.UserID, Role: me.Role}, s.Auth.Now()))
}

func (s *Server) rotateInviteCode(c *fiber.Ctx) error {
	p, err := s.hostedParty(c)
	if err != nil {
		return err
	}
	if !p.Private {
		return models.Errorf(models.CodeConflict, "a public party has no invite code")
	}
	p.InviteCode, p.UpdatedAt = newInviteCode(), s.Auth.Now()
	ctx := c.UserContext()
	if err := s.Store.UpdateParty(ctx, p); err != nil { // ends what the old code let in
		return err
	}
	s.recheckParty(ctx, p.ID, uuid.Nil, realtime.ReasonAccessChanged)
	return c.JSON(inviteCodeView{InviteCode: p.InviteCode})
}
