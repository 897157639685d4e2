package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/models"
)

// Live sessions (a superfan perk): the artist streams elsewhere and the
// members with the perk watch and chat in the live:{sessionID} room. The
// socket frames (live_realtime.go) and these routes call the same use
// cases in perks.Live.

type liveSessionView struct {
	ID        string     `json:"id"`
	ArtistID  string     `json:"artist_id"`
	Title     string     `json:"title" description:"Sanitized: tags stripped, the rest HTML-escaped"`
	StreamURL string     `json:"stream_url" description:"The https URL the artist gave; the server never fetches it"`
	EmbedURL  *string    `json:"embed_url" description:"A YouTube embed URL built from the video id alone; null for other hosts"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
}

type liveStartRequest struct {
	Title     string `json:"title" validate:"required,max=800" description:"At most 200 characters once sanitized"`
	StreamURL string `json:"stream_url" validate:"required,max=2048" description:"An https URL of the stream (YouTube, Twitch, …)"`
}

func (s *Server) liveRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/live", op{summary: "The artist's running live session (superfans, the artist, admins); 404 when none runs", tag: "live", auth: true,
		out: liveSessionView{}, errors: []int{http.StatusForbidden, http.StatusNotFound}, owner: perkMembers},
		s.authenticate, s.runningLive)
	r.add(fiber.MethodPost, "/api/artists/:id/live", op{summary: "Start a live session (one at a time); the superfans are notified and live:started is published into backstage:{artistID}", tag: "live", auth: true,
		in: liveStartRequest{}, out: liveSessionView{}, status: http.StatusCreated,
		errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("live", s.Config.MessageRateLimit, userKey), s.startLive)
	r.add(fiber.MethodDelete, "/api/artists/:id/live", op{summary: "End the running live session; live:ended is published into its room, whose sockets then leave it (room_left, reason ended); it refuses joins", tag: "live", auth: true,
		out: liveSessionView{}, errors: []int{http.StatusNotFound}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.endLive)
}

func (s *Server) runningLive(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	live, err := s.live.Running(c.UserContext(), a.ID, who(c))
	if err != nil {
		return err
	}
	return c.JSON(viewLive(live))
}

func (s *Server) startLive(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[liveStartRequest](c)
	if err != nil {
		return err
	}
	v, err := s.startLiveSession(c.UserContext(), a, req)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(v)
}

func (s *Server) endLive(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	v, err := s.endLiveSession(c.UserContext(), a)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func viewLive(l *models.LiveSession) liveSessionView {
	v := liveSessionView{ID: l.ID.String(), ArtistID: l.ArtistID.String(), Title: l.Title, StreamURL: l.StreamURL,
		EmbedURL: l.EmbedURL, StartedAt: l.StartedAt.UTC(), EndedAt: l.EndedAt}
	if l.EndedAt != nil {
		ended := l.EndedAt.UTC()
		v.EndedAt = &ended
	}
	return v
}
