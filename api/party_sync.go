package api

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

// Keeping listeners in sync (docs/parties.md): every playback change goes
// into party:{id} as party:sync, once, whoever publishes it first (the api
// after a host's control, the workflow's activity after a timer); a
// joining socket is sent the latest; queued syncs coalesce.

func (s *Server) partySyncRealtime(h *realtime.Hub) {
	h.Coalesce(string(realtime.EventPartySync))
	h.Handle("party:control", realtime.RateChat, s.partyControl)
}

// partySync is the party's playback now: the latest published, else (none
// published yet, or the cache lost) as the row has it.
func (s *Server) partySync(ctx context.Context, partyID uuid.UUID) (models.PartyPlayback, error) {
	if pb, ok, err := s.PartySync.Cache.Latest(ctx, partyID); err != nil || ok {
		return pb, err
	}
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return models.PartyPlayback{}, err
	}
	pb := models.PartyPlayback{TrackIndex: p.TrackIndex, PositionMs: p.PositionMs, Playing: p.Playing,
		Version: p.PlaybackVersion, ServerMs: p.UpdatedAt.UnixMilli()}
	if p.Playing {
		pb.Rate = 1
	}
	return pb, nil
}

// partyJoined sends a socket that just joined party:{id} where the party
// is, so a late joiner starts in place.
func (s *Server) partyJoined(ctx context.Context, c *realtime.Conn, room string) {
	id, err := uuid.Parse(strings.TrimPrefix(room, "party:"))
	if err != nil {
		return
	}
	pb, err := s.partySync(ctx, id)
	if err == nil {
		err = c.Send(room, realtime.EventPartySync.Of(pb))
	}
	if err != nil {
		s.Log.Warn("party sync on join not sent", "party_id", id, "error", err)
	}
}

// steerParty applies a host's playback action (decoded once the caller is
// known to host the party) and publishes the result. A caller who does
// not host a private party is told it does not exist.
func (s *Server) steerParty(ctx context.Context, partyID, userID uuid.UUID, decode func() (*playbackRequest, error)) (models.PartyPlayback, error) {
	p, err := s.Store.Party(ctx, partyID)
	if err != nil {
		return models.PartyPlayback{}, err
	}
	if !p.Hosts(userID) {
		if p.Private {
			return models.PartyPlayback{}, models.ErrNotFound
		}
		return models.PartyPlayback{}, models.Errorf(models.CodeForbidden, "only the party's hosts control its playback")
	}
	req, err := decode()
	if err != nil {
		return models.PartyPlayback{}, err
	}
	if !p.Status.Open() {
		return models.PartyPlayback{}, models.Errorf(models.CodeConflict, "this party has ended or was cancelled")
	}
	tctx, cancel := s.temporalContext(ctx)
	defer cancel()
	pb, err := s.parties().Playback(tctx, p.ID, req.Action, userID, req.PositionMs)
	if err != nil {
		return pb, err
	}
	// The change is made: a sync that fails here is published by the
	// workflow's activity when it records the change.
	if err := s.PartySync.Publish(ctx, p.ID, pb); err != nil {
		s.Log.Warn("party sync not published", "party_id", p.ID, "error", err)
	}
	return pb, nil
}

// partyControl is party:control {action, position_ms} into party:{id}:
// the REST playback route as a frame, acked with the playback after it.
func (s *Server) partyControl(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	kind, rawID, _ := strings.Cut(f.Room, ":")
	id, err := uuid.Parse(rawID)
	if kind != "party" || err != nil {
		return nil, models.FieldError("room", "room must be party:{id}")
	}
	user, err := uuid.Parse(c.UserID)
	if err != nil {
		return nil, models.ErrForbidden
	}
	return s.steerParty(ctx, id, user, func() (*playbackRequest, error) { return decodeBytes[playbackRequest](f.Data) })
}
