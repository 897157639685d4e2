package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/perks"
)

// The virtual backstage: the backstage:{artistID} room and its feed of
// posts, a perk of a tier. A membership change that ends the perk
// rechecks the room (activities.Membership).

const eventBackstagePost realtime.EventType[backstagePostView] = "backstage:post"

type backstagePostView struct {
	ID        string    `json:"id"`
	ArtistID  string    `json:"artist_id"`
	Body      string    `json:"body" description:"Sanitized: tags stripped, the rest HTML-escaped"`
	MediaURL  *string   `json:"media_url"`
	CreatedAt time.Time `json:"created_at"`
}

type backstagePostList struct {
	Items      []backstagePostView `json:"items"`
	NextCursor string              `json:"next_cursor"`
}

type backstagePostRequest struct {
	Body     string `json:"body" validate:"required,max=16000" description:"At most 4,000 characters once sanitized"`
	MediaURL string `json:"media_url,omitempty" validate:"max=2048" description:"An https URL of an image, a clip or a track"`
}

func (s *Server) backstageRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/backstage/posts", op{summary: "The backstage feed, newest first (superfans, the artist, admins)", tag: "backstage", auth: true,
		query: idPage{}, out: backstagePostList{}, errors: []int{http.StatusForbidden, http.StatusNotFound}, owner: perkMembers},
		s.authenticate, s.backstagePosts)
	r.add(fiber.MethodPost, "/api/artists/:id/backstage/posts", op{summary: "Post to the backstage feed; published as backstage:post into backstage:{artistID}", tag: "backstage", auth: true,
		in: backstagePostRequest{}, out: backstagePostView{}, status: http.StatusCreated,
		errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusTooManyRequests}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("backstage", s.Config.MessageRateLimit, userKey), s.postBackstage)
}

func (s *Server) backstagePosts(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.backstage.CanRead(ctx, a.ID, who(c)); err != nil {
		return err
	}
	q, err := decodeQuery[idPage](c)
	if err != nil {
		return err
	}
	rows, next, err := s.Store.BackstagePosts(ctx, a.ID, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	out := backstagePostList{Items: make([]backstagePostView, len(rows)), NextCursor: next}
	for i := range rows {
		out.Items[i] = viewBackstagePost(&rows[i])
	}
	return c.JSON(out)
}

func (s *Server) postBackstage(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[backstagePostRequest](c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	post, err := s.backstage.Post(ctx, a.ID, req.Body, req.MediaURL)
	if err != nil {
		return err
	}
	v := viewBackstagePost(post)
	if _, err := s.Hub.Publish(ctx, realtime.BackstageRoom(a.ID.String()), eventBackstagePost.Of(v)); err != nil {
		s.Log.WarnContext(ctx, "backstage post not published", "post_id", post.ID, "error", err) // the feed has it
	}
	return c.Status(http.StatusCreated).JSON(v)
}

func viewBackstagePost(p *models.BackstagePost) backstagePostView {
	return backstagePostView{ID: p.ID.String(), ArtistID: p.ArtistID.String(), Body: p.Body, MediaURL: p.MediaURL, CreatedAt: p.CreatedAt.UTC()}
}

func (s *Server) backstageRealtime(h *realtime.Hub) {
	h.RoomKind("backstage", realtime.Kind{Access: perkRoom(s.backstage.CanRead)})
}

// perkRoom is the Access of a perk's room kind, whose id names what check
// guards (an artist, a session).
func perkRoom(check func(ctx context.Context, id uuid.UUID, who perks.Who) error) realtime.Access {
	return func(ctx context.Context, userID string, role models.Role, id string) error {
		key, err := uuid.Parse(id)
		if err != nil {
			return models.ErrNotFound
		}
		user, err := uuid.Parse(userID)
		if err != nil {
			return models.ErrForbidden
		}
		return check(ctx, key, perks.Who{UserID: user, Role: role})
	}
}
