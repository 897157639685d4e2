package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

type announcementRequest struct {
	Title    string `json:"title" validate:"required,max=200"`
	Body     string `json:"body" validate:"max=2000"`
	TTLHours int    `json:"ttl_hours,omitempty" validate:"min=0,max=8760" description:"hours until it expires; 0 never"`
}

type broadcastResponse struct {
	BroadcastID string `json:"broadcast_id"`
}

func (s *Server) announcementRoutes(r *routes) {
	r.add(fiber.MethodPost, "/api/artists/:id/announcements", op{summary: "Announce something to all of the artist's followers (in-app, socket; email and push through each follower's inbox); at most ANNOUNCEMENTS_PER_DAY (3) in 24 h",
		tag: "notifications", auth: true, in: announcementRequest{}, out: broadcastResponse{}, status: http.StatusAccepted,
		errors: []int{http.StatusNotFound, http.StatusTooManyRequests}, owner: artistOwned}, s.authenticate, requireRole(models.RoleArtist), s.announce)
	r.add(fiber.MethodGet, "/api/notifications/broadcasts/:id", op{summary: "How far a broadcast of mine got", tag: "notifications",
		auth: true, out: models.BroadcastProgress{}, owner: &owner{Refused: http.StatusNotFound, Admin: true}}, s.authenticate, s.broadcast)
}

func (s *Server) announce(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[announcementRequest](c)
	if err != nil {
		return err
	}
	reserved, err := s.Store.ReserveAnnouncement(c.UserContext(), a.ID, s.Auth.Now(), s.Config.AnnouncementsPerDay)
	if err != nil {
		return err
	}
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	id, err := s.Notify.Broadcast(ctx, models.Followers(a.ID), notify.Notification{
		Category: "announcement", GroupKey: "artist:" + a.ID.String(), Title: req.Title, Body: req.Body,
		TTL: time.Duration(req.TTLHours) * time.Hour,
	}, "")
	if err != nil { // not sent: it does not count
		if rerr := s.Store.ReleaseAnnouncement(context.WithoutCancel(ctx), reserved); rerr != nil {
			s.Log.Warn("announcement reservation kept", "error", rerr)
		}
		return err
	}
	return c.Status(http.StatusAccepted).JSON(broadcastResponse{BroadcastID: id})
}

func (s *Server) broadcast(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return models.ErrNotFound
	}
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	p, err := workflows.BroadcastClient{Conn: s.workflows()}.Progress(ctx, id.String())
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return models.ErrNotFound
	}
	if err != nil {
		return err
	}
	if who, _ := caller(c); !owns(who, p.ArtistID) {
		return models.ErrNotFound // someone else's broadcast does not exist for the caller
	}
	p.Cursor = "" // a follower's id: not for the artist's eyes
	return c.JSON(p)
}
