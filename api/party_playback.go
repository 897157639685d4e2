package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// hostsOnly: a party's artist and co-hosts, as its workflow knows them;
// an admin does not steer a party.
var hostsOnly = &owner{Refused: http.StatusForbidden}

type playbackRequest struct {
	Action     string `json:"action" enum:"play,pause,seek,next,previous,end" description:"end ends the party for everyone"`
	PositionMs int64  `json:"position_ms,omitempty" minimum:"0" description:"seek: where in the current track, 0 to its duration"`
}

func (s *Server) partyPlaybackRoutes(r *routes, limit fiber.Handler) {
	r.add(fiber.MethodPost, "/api/parties/:id/playback", op{summary: "Steer a live party's playback (its hosts); answers the playback after it, which every listener follows", tag: "parties", auth: true,
		in: playbackRequest{}, out: models.PartyPlayback{}, owner: hostsOnly,
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}},
		s.authenticate, limit, s.partyPlayback)
}

func (s *Server) partyPlayback(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	me, _ := caller(c)
	pb, err := s.steerParty(c.UserContext(), id, me.UserID, func() (*playbackRequest, error) { return decodeJSON[playbackRequest](c) })
	if err != nil {
		return err
	}
	return c.JSON(pb)
}

func (s *Server) parties() workflows.PartyClient { return workflows.PartyClient{Conn: s.workflows()} }

// startParty starts the party's workflow once its row is stored; when
// Temporal refuses, the row goes, so nothing is left half-made.
func (s *Server) startParty(ctx context.Context, p *models.Party) error {
	run := models.PartyRun{PartyID: p.ID, ArtistID: p.ArtistID, ScheduledAt: p.ScheduledAt, DurationsMs: durations(p), CoHosts: p.CoHosts}
	tctx, cancel := s.temporalContext(ctx)
	defer cancel()
	if err := s.parties().Start(tctx, run); err != nil {
		return errors.Join(err, s.Store.DeleteParty(ctx, p.ID))
	}
	return nil
}

// stopParty cancels the party's workflow before its row is cancelled; a
// workflow that ended or does not run is left as it is.
func (s *Server) stopParty(ctx context.Context, id uuid.UUID) error {
	tctx, cancel := s.temporalContext(ctx)
	defer cancel()
	_, err := s.parties().Cancel(tctx, id)
	if code := models.ErrorCode(err); code == models.CodeNotFound || code == models.CodeConflict {
		return nil
	}
	return err
}

// syncCoHosts tells the party's workflow its co-hosts as the row has them
// now, so that they may steer it; an ended party's is left alone.
func (s *Server) syncCoHosts(ctx context.Context, id uuid.UUID) error {
	p, err := s.Store.Party(ctx, id)
	if err != nil {
		return err
	}
	tctx, cancel := s.temporalContext(ctx)
	defer cancel()
	_, err = s.parties().SetCoHosts(tctx, id, p.CoHosts)
	if code := models.ErrorCode(err); code == models.CodeNotFound || code == models.CodeConflict {
		return nil
	}
	return err
}

// rescheduleParty tells the party's workflow its start and playlist as
// the row has them now.
func (s *Server) rescheduleParty(ctx context.Context, p *models.Party) error {
	tctx, cancel := s.temporalContext(ctx)
	defer cancel()
	_, err := s.parties().Reschedule(tctx, p.ID, p.ScheduledAt, durations(p))
	return err
}

// durations are the party's tracks' durations, as its workflow plays them.
func durations(p *models.Party) []int64 {
	out := make([]int64, len(p.Playlist))
	for i, t := range p.Playlist {
		out[i] = t.DurationMs
	}
	return out
}
