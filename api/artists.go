package api

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
)

type updateArtistRequest struct {
	Name      *string `json:"name,omitempty" validate:"omitempty,min=1,max=64"`
	Slug      *string `json:"slug,omitempty" validate:"omitempty,min=2,max=48,slug"`
	Bio       *string `json:"bio,omitempty" validate:"omitempty,max=2000"`
	AvatarURL *string `json:"avatar_url,omitempty" validate:"omitempty,http_url,max=512"`
}

type followResponse struct {
	Following     bool  `json:"following"`
	FollowerCount int64 `json:"follower_count"`
}

func (s *Server) artistRoutes(r *routes) {
	notFound := []int{http.StatusNotFound}
	r.add(fiber.MethodGet, "/api/artists/:id", op{summary: "An artist's public profile (by id or slug)", tag: "artists",
		out: artistView{}, errors: notFound}, s.authenticateOptional, s.artist)
	r.add(fiber.MethodPatch, "/api/artists/:id", op{summary: "Change the artist's own profile", tag: "artists", auth: true,
		in: updateArtistRequest{}, out: artistView{}, errors: []int{http.StatusNotFound, http.StatusConflict}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.updateArtist)
	r.add(fiber.MethodPost, "/api/artists/:id/follow", op{summary: "Follow an artist", tag: "artists", auth: true,
		out: followResponse{}, errors: notFound}, s.authenticate, s.follow)
	r.add(fiber.MethodDelete, "/api/artists/:id/follow", op{summary: "Unfollow an artist", tag: "artists", auth: true,
		out: followResponse{}, errors: notFound}, s.authenticate, s.unfollow)
}

// findArtist resolves the :id parameter, an id or a slug.
func (s *Server) findArtist(c *fiber.Ctx) (*models.Artist, error) {
	key := c.Params("id")
	if id, err := uuid.Parse(key); err == nil {
		return s.Store.ArtistByID(c.UserContext(), id)
	}
	if len(key) > 64 {
		return nil, models.ErrNotFound
	}
	return s.Store.ArtistBySlug(c.UserContext(), key)
}

func (s *Server) artist(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	v := viewArtist(a)
	if p, ok := caller(c); ok {
		following, err := s.Store.IsFollowing(c.UserContext(), p.UserID, a.ID)
		if err != nil {
			return err
		}
		v.Following = &following
	}
	return c.JSON(v)
}

func (s *Server) updateArtist(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[updateArtistRequest](c)
	if err != nil {
		return err
	}
	cols := map[string]any{}
	for col, v := range map[string]*string{"name": req.Name, "slug": req.Slug, "bio": req.Bio, "avatar_url": req.AvatarURL} {
		if v != nil {
			cols[col] = *v
		}
	}
	a, err = s.Store.UpdateArtist(c.UserContext(), a.ID, cols)
	if err != nil {
		return err
	}
	return c.JSON(viewArtist(a))
}

func (s *Server) follow(c *fiber.Ctx) error   { return s.changeFollow(c, true) }
func (s *Server) unfollow(c *fiber.Ctx) error { return s.changeFollow(c, false) }

func (s *Server) changeFollow(c *fiber.Ctx, follow bool) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	p, _ := caller(c)
	change := s.Store.Unfollow
	if follow {
		change = s.Store.Follow
	}
	count, changed, err := change(c.UserContext(), p.UserID, a.ID)
	if err != nil {
		return err
	}
	if follow && changed {
		s.countLive(c.UserContext(), a.ID, liveNewFollowers, 1)
	}
	return c.JSON(followResponse{Following: follow, FollowerCount: count})
}

// artistRealtime registers an artist's public feed, artist:{id}: a crowd
// room open to every signed-in user while the artist exists.
func (s *Server) artistRealtime(h *realtime.Hub) {
	h.RoomKind("artist", realtime.Kind{Crowd: true, Access: func(ctx context.Context, _ string, _ models.Role, id string) error {
		artistID, err := uuid.Parse(id)
		if err != nil {
			return models.ErrNotFound
		}
		_, err = s.Store.ArtistByID(ctx, artistID)
		return err
	}})
}
