package api

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/perks"
)

// Live sessions' real-time side: the live:{sessionID} room, its frames and
// events. live:started goes into backstage:{artistID}, the room of those
// who may watch, never into the public artist:{id} room: the stream's URL
// is the perk. A membership change that ends the perk rechecks the
// running session's room (activities.Membership).
const (
	eventLiveStarted realtime.EventType[liveSessionView] = "live:started"
	eventLiveEnded   realtime.EventType[liveSessionView] = "live:ended"
	eventLiveChat    realtime.EventType[liveChat]        = "live:chat"
)

// liveChat is a chat line, sanitized like a DM; lines are not stored.
type liveChat struct {
	Body      string    `json:"body"`
	SentAt    time.Time `json:"sent_at"`
	SessionID string    `json:"session_id"`
	UserID    string    `json:"user_id"`
}

type liveJoinRequest struct {
	SessionID string `json:"session_id" validate:"required,uuid"`
}

type liveChatRequest struct {
	Body string `json:"body" validate:"required,max=2000" description:"At most 500 characters once sanitized"`
}

func (s *Server) liveRealtime(h *realtime.Hub) {
	h.RoomKind("live", realtime.Kind{Access: perkRoom(func(ctx context.Context, id uuid.UUID, who perks.Who) error {
		_, err := s.live.Session(ctx, id, who)
		return err
	})})
	h.Handle("stream:start", realtime.RateChat, s.streamStart)
	h.Handle("stream:end", realtime.RateChat, s.streamEnd)
	h.Handle("stream:join", realtime.RateRooms, s.streamJoin)
	h.Handle("live:chat", realtime.RateChat, s.liveChat)
}

// socketArtist is the artist a socket's user is: only artists start and
// end their own sessions.
func (s *Server) socketArtist(ctx context.Context, c *realtime.Conn) (*models.Artist, error) {
	id, err := uuid.Parse(c.UserID)
	if err != nil || c.Role != models.RoleArtist {
		return nil, models.Errorf(models.CodeForbidden, "only an artist starts and ends their live session")
	}
	return s.Store.ArtistByID(ctx, id)
}

// streamStart: {title, stream_url}; acks with the session.
func (s *Server) streamStart(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	a, err := s.socketArtist(ctx, c)
	if err != nil {
		return nil, err
	}
	req, err := decodeBytes[liveStartRequest](f.Data)
	if err != nil {
		return nil, err
	}
	return s.startLiveSession(ctx, a, req)
}

// streamEnd ends the artist's running session; acks with it.
func (s *Server) streamEnd(ctx context.Context, c *realtime.Conn, _ realtime.Frame) (any, error) {
	a, err := s.socketArtist(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.endLiveSession(ctx, a)
}

// streamJoin: {session_id}; joins live:{id} through the room kind's
// Access (as join_room does) and acks with the session.
func (s *Server) streamJoin(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	req, err := decodeBytes[liveJoinRequest](f.Data)
	if err != nil {
		return nil, err
	}
	id := uuid.MustParse(req.SessionID) // validated
	if err := c.Join(ctx, realtime.LiveRoom(id.String())); err != nil {
		return nil, err
	}
	live, err := s.Store.LiveSession(ctx, id)
	if err != nil {
		return nil, err
	}
	return viewLive(live), nil
}

// liveChat: room live:{id}, {body}; fans the sanitized line out to the
// room.
func (s *Server) liveChat(ctx context.Context, c *realtime.Conn, f realtime.Frame) (any, error) {
	raw, ok := strings.CutPrefix(f.Room, "live:")
	id, err := uuid.Parse(raw)
	if !ok || err != nil {
		return nil, models.FieldError("room", "room must be live:{session_id}")
	}
	user, err := uuid.Parse(c.UserID)
	if err != nil {
		return nil, models.ErrForbidden
	}
	req, err := decodeBytes[liveChatRequest](f.Data)
	if err != nil {
		return nil, err
	}
	body, err := s.live.Chat(ctx, id, perks.Who{UserID: user, Role: c.Role}, req.Body)
	if err != nil {
		return nil, err
	}
	line := liveChat{Body: body, SentAt: s.Auth.Now().UTC(), SessionID: id.String(), UserID: c.UserID}
	if _, err := s.Hub.Publish(ctx, realtime.LiveRoom(id.String()), eventLiveChat.Of(line)); err != nil {
		return nil, err
	}
	return line, nil
}

func (s *Server) startLiveSession(ctx context.Context, a *models.Artist, req *liveStartRequest) (liveSessionView, error) {
	tctx, cancel := s.temporalContext(ctx) // the broadcast's start
	defer cancel()
	live, err := s.live.Start(tctx, a, req.Title, req.StreamURL)
	if err != nil {
		return liveSessionView{}, err
	}
	v := viewLive(live)
	s.publishLive(ctx, realtime.BackstageRoom(a.ID.String()), eventLiveStarted.Of(v))
	return v, nil
}

func (s *Server) endLiveSession(ctx context.Context, a *models.Artist) (liveSessionView, error) {
	live, err := s.live.End(ctx, a.ID)
	if err != nil {
		return liveSessionView{}, err
	}
	v := viewLive(live)
	room := realtime.LiveRoom(live.ID.String())
	s.publishLive(ctx, room, eventLiveEnded.Of(v))
	s.publishLive(ctx, realtime.BackstageRoom(a.ID.String()), eventLiveEnded.Of(v))
	// Its watchers leave with it on every instance (room_left, reason
	// ended): its Access now refuses them, which a recheck does not act on
	// (conflict, not forbidden). The row is ended, so a failure is logged.
	if err := s.Hub.Remove(ctx, room, "", realtime.ReasonEnded); err != nil {
		s.Log.WarnContext(ctx, "ended live session's room not emptied", "live_session_id", live.ID, "error", err)
	}
	return v, nil
}

// publishLive sends a session's event; the database already holds what it
// tells (and the superfans were notified), so a failure is a late update.
func (s *Server) publishLive(ctx context.Context, room string, ev realtime.Event) {
	if _, err := s.Hub.Publish(ctx, room, ev); err != nil {
		s.Log.WarnContext(ctx, "live event not published", "type", ev.Type, "room", room, "error", err)
	}
}
