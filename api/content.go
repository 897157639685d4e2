package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/workflows"
)

// contentMediaTypes are the uploads content may carry, sniffed from their
// bytes: audio, raster images and browser video. No SVG or HTML, which a
// browser would run.
var contentMediaTypes = []string{
	"audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4", "audio/flac", "audio/aac",
	"image/jpeg", "image/png", "image/gif", "image/webp",
	"video/mp4", "video/webm", "video/ogg",
}

// Limits of content.
const (
	contentTitleMax = 200
	contentBodyMax  = 10000
	contentURLMax   = 2048
	clubListMax     = 50 // exclusive items the club page shows
)

type contentView struct {
	ID              string             `json:"id"`
	ArtistID        string             `json:"artist_id"`
	Kind            models.ContentKind `json:"kind"`
	Title           string             `json:"title"`
	Body            string             `json:"body,omitempty"`
	DurationSeconds int                `json:"duration_seconds"`
	MinTier         models.Tier        `json:"min_tier"`
	PublicAt        *time.Time         `json:"public_at" description:"When it becomes public; supporters get it 24 h and superfans 48 h before. null: public"`
	Locked          bool               `json:"locked" description:"The caller may not open it (yet): a teaser without body or media"`
	AvailableAt     *time.Time         `json:"available_at" description:"Locked: when it opens to the caller; null when it is open or their tier never gets it"`
	Media           *mediaView         `json:"media,omitempty"`
	CreatedAt       time.Time          `json:"created_at"`
}

type mediaView struct {
	URL         string `json:"url" description:"/api/content/{id}/media for an upload (access-checked), else the external https URL"`
	ContentType string `json:"content_type,omitempty" description:"Uploads: the type sniffed from the bytes"`
	SizeBytes   int64  `json:"size_bytes,omitempty"`
}

type contentPage struct {
	Items      []contentView `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// contentRequest creates (kind and title required) or patches an item:
// absent fields stay as they are.
type contentRequest struct {
	Kind            *models.ContentKind `json:"kind,omitempty" enum:"track,post,video" description:"Required on create"`
	Title           *string             `json:"title,omitempty" maxLength:"200" description:"Required on create"`
	Body            *string             `json:"body,omitempty" maxLength:"10000"`
	DurationSeconds *int                `json:"duration_seconds,omitempty" minimum:"0" maximum:"86400" description:"1..86400 for tracks and videos; 0 for posts"`
	MediaURL        *string             `json:"media_url,omitempty" maxLength:"2048" description:"External https media, never fetched by the server; \"\" removes it. Uploads go to POST …/content/{contentID}/media"`
	MinTier         *models.Tier        `json:"min_tier,omitempty" enum:"follower,supporter,superfan" description:"The lowest tier let in (default follower)"`
	PublicAt        *time.Time          `json:"public_at,omitempty" description:"When it becomes public: in the future, at most a year ahead. Members are told as their early-access windows open (ReleaseWorkflow)"`
}

type playRequest struct {
	PositionSeconds int `json:"position_seconds" validate:"min=0,max=86400"`
	SecondsListened int `json:"seconds_listened" validate:"min=0,max=86400"`
}

type playView struct {
	ID              string `json:"id"`
	PositionSeconds int    `json:"position_seconds"`
	SecondsListened int    `json:"seconds_listened" description:"As stored: capped by the duration and the time since the caller's previous report"`
}

const contentPath = "/api/artists/:id/content"

// contentMediaPath is the upload route as sent, for its body limit.
var contentMediaPath = regexp.MustCompile(`^/api/artists/[^/]+/content/[^/]+/media$`)

func (s *Server) contentRoutes(r *routes) {
	mine := []int{http.StatusNotFound}
	r.add(fiber.MethodPost, contentPath, op{summary: "Publish a track, post or video (Idempotency-Key: a retry answers the first answer)", tag: "content", auth: true,
		in: contentRequest{}, out: contentView{}, status: http.StatusCreated, errors: append([]int{http.StatusTooManyRequests}, mine...), owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("content", s.Config.MessageRateLimit, userKey), s.idempotent(), s.createContent)
	r.add(fiber.MethodGet, contentPath, op{summary: "An artist's content, newest first: what the caller may not open comes as a locked teaser", tag: "content",
		query: pageQuery{}, out: contentPage{}, errors: mine}, s.authenticateOptional, s.listContent)
	r.add(fiber.MethodPatch, contentPath+"/:contentID", op{summary: "Edit one of the artist's items", tag: "content", auth: true,
		in: contentRequest{}, out: contentView{}, errors: append([]int{http.StatusTooManyRequests}, mine...), owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("content", s.Config.MessageRateLimit, userKey), s.updateContent)
	r.add(fiber.MethodDelete, contentPath+"/:contentID", op{summary: "Delete one of the artist's items (its media is no longer served)", tag: "content", auth: true,
		errors: mine, status: http.StatusNoContent, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.deleteContent)
	r.add(fiber.MethodPost, contentPath+"/:contentID/media", op{summary: "Upload an item's media (multipart field \"file\", at most CONTENT_MEDIA_MAX_BYTES; audio, images, mp4/webm/ogg video by their bytes), replacing what it had", tag: "content", auth: true,
		out: contentView{}, errors: append([]int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests}, mine...), owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.rateLimit("upload", s.Config.MessageRateLimit, userKey), s.uploadContentMedia)
	r.add(fiber.MethodGet, "/api/content/:id", op{summary: "One item; 403 forbidden with required_tier and available_at when the caller may not open it (yet)", tag: "content",
		out: contentView{}, errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.authenticateOptional, s.content)
	r.add(fiber.MethodGet, "/api/content/:id/media", op{summary: "An item's uploaded media bytes, for callers who may open it (403 as GET /api/content/{id}); no Range support", tag: "content",
		errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.authenticateOptional, s.contentMedia)
	r.add(fiber.MethodPost, "/api/content/:id/plays", op{summary: "Report a play of a track or video the caller may open (seconds capped by the time since their last report)", tag: "content", auth: true,
		in: playRequest{}, out: playView{}, status: http.StatusCreated, errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests}},
		s.authenticate, s.rateLimit("play", s.Config.PlayRateLimit, userKey), s.play)
}

// ownedContent is the path's item of the caller's artist; another
// artist's item is not found.
func (s *Server) ownedContent(c *fiber.Ctx) (*models.Content, error) {
	a, err := s.ownedArtist(c)
	if err != nil {
		return nil, err
	}
	id, err := parseID(c, "contentID")
	if err != nil {
		return nil, err
	}
	item, err := s.Store.Content(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if item.ArtistID != a.ID {
		return nil, models.ErrNotFound
	}
	return item, nil
}

// viewerOf is the caller as models.CanAccess sees them in an artist's
// club, with the content their rewards unlocked; an anonymous caller is a
// follower without an id.
func (s *Server) viewerOf(c *fiber.Ctx, artistID uuid.UUID) (models.Viewer, error) {
	p, ok := caller(c)
	if !ok {
		return models.Viewer{Tier: models.TierFollower}, nil
	}
	tier, err := s.Store.TierOf(c.UserContext(), artistID, p.UserID)
	if err != nil {
		return models.Viewer{}, err
	}
	unlocked, err := s.Store.Unlocked(c.UserContext(), artistID, p.UserID)
	return models.Viewer{UserID: p.UserID, Role: p.Role, Tier: tier, Unlocked: unlocked}, err
}

// memberTiers is a caller's tier with each artist they are a member of.
type memberTiers map[uuid.UUID]models.Tier

// Of is the tier with artist: a follower's where there is no membership.
func (m memberTiers) Of(artist uuid.UUID) models.Tier {
	if t, ok := m[artist]; ok {
		return t
	}
	return models.TierFollower
}

// tiersOf is the caller's tier with every artist at once (one read), for
// lists that span artists; none when signed out.
func (s *Server) tiersOf(c *fiber.Ctx) (memberTiers, error) {
	p, ok := caller(c)
	if !ok {
		return nil, nil
	}
	subs, err := s.Store.FanMemberships(c.UserContext(), p.UserID)
	out := make(memberTiers, len(subs))
	for _, sub := range subs {
		out[sub.ArtistID] = sub.EffectiveTier()
	}
	return out, err
}

// viewContent shows an item to v at now: whole, or as a locked teaser.
func viewContent(v models.Viewer, item *models.Content, now time.Time) contentView {
	out := contentView{ID: item.ID.String(), ArtistID: item.ArtistID.String(), Kind: item.Kind, Title: item.Title,
		DurationSeconds: item.DurationSeconds, MinTier: item.MinTier, PublicAt: utc(item.PublicAt), CreatedAt: item.CreatedAt.UTC()}
	if !models.CanAccess(v, item.Resource(), now) {
		out.Locked = true
		if at, ok := models.AvailableAt(v, item.Resource()); ok {
			out.AvailableAt = utc(&at)
		}
		return out
	}
	out.Body = item.Body
	switch {
	case item.MediaKey != "":
		out.Media = &mediaView{URL: "/api/content/" + item.ID.String() + "/media", ContentType: item.MediaType, SizeBytes: item.MediaSize}
	case item.MediaURL != "":
		out.Media = &mediaView{URL: item.MediaURL}
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// apply patches item with the request and checks the result, at now.
func (req *contentRequest) apply(item *models.Content, now time.Time) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if req.Kind != nil {
		item.Kind = *req.Kind
	}
	set(&item.Title, req.Title)
	set(&item.Body, req.Body)
	if req.DurationSeconds != nil {
		item.DurationSeconds = *req.DurationSeconds
	}
	if req.MediaURL != nil {
		set(&item.MediaURL, req.MediaURL)
		if item.MediaURL != "" { // replaces an upload, whose blob the caller deletes
			item.MediaKey, item.MediaType, item.MediaSize = "", "", 0
		}
	}
	if req.MinTier != nil {
		item.MinTier = *req.MinTier
	}
	if req.PublicAt != nil {
		if err := models.CheckPublicAt(*req.PublicAt, now); err != nil {
			return err
		}
		item.PublicAt = req.PublicAt
	}
	if item.PublicAt != nil && !item.PublicAt.After(now) {
		item.PublicAt = nil // public since then
	}
	if item.MinTier == "" {
		item.MinTier = models.TierFollower
	}
	return checkContent(item, now)
}

func checkContent(item *models.Content, now time.Time) error {
	switch {
	case item.Kind != models.ContentTrack && item.Kind != models.ContentPost && item.Kind != models.ContentVideo:
		return models.FieldError("kind", "kind must be track, post or video")
	case item.Title == "":
		return models.FieldError("title", "title is required")
	case utf8.RuneCountInString(item.Title) > contentTitleMax:
		return models.FieldError("title", "title must be at most %d characters", contentTitleMax)
	case utf8.RuneCountInString(item.Body) > contentBodyMax:
		return models.FieldError("body", "body must be at most %d characters", contentBodyMax)
	case item.Kind.Playable() && (item.DurationSeconds < 1 || item.DurationSeconds > 86400):
		return models.FieldError("duration_seconds", "tracks and videos last 1 to 86400 seconds")
	case !item.Kind.Playable() && item.DurationSeconds != 0:
		return models.FieldError("duration_seconds", "posts have no duration")
	case item.MinTier.Rank() < 0:
		return models.FieldError("min_tier", "min_tier must be follower, supporter or superfan")
	}
	if item.MediaURL != "" {
		u, err := url.Parse(item.MediaURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(item.MediaURL) > contentURLMax {
			return models.FieldError("media_url", "media_url must be an https URL of at most %d characters", contentURLMax)
		}
	}
	return nil
}

func (s *Server) createContent(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[contentRequest](c)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	item := &models.Content{ID: models.NewID(), ArtistID: a.ID, CreatedAt: now, UpdatedAt: now}
	if err := req.apply(item, now); err != nil {
		return err
	}
	if err := s.Store.CreateContent(c.UserContext(), item); err != nil {
		return err
	}
	if item.PublicAt != nil {
		if err := s.release(c.UserContext(), item, now); err != nil {
			return errors.Join(err, s.Store.DeleteContent(c.UserContext(), item.ArtistID, item.ID, now)) // nothing left visible
		}
	}
	return c.Status(http.StatusCreated).JSON(viewContent(models.Viewer{UserID: a.ID}, item, now))
}

func (s *Server) updateContent(c *fiber.Ctx) error {
	item, err := s.ownedContent(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[contentRequest](c)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	old := *item
	if err := req.apply(item, now); err != nil {
		return err
	}
	item.UpdatedAt = now
	if err := s.Store.UpdateContent(c.UserContext(), item); err != nil {
		return err
	}
	if req.PublicAt != nil {
		if err := s.release(c.UserContext(), item, now); err != nil {
			return errors.Join(err, s.Store.UpdateContent(c.UserContext(), &old)) // as it was
		}
	}
	s.dropBlob(c.UserContext(), old.MediaKey, item.MediaKey)
	return c.JSON(viewContent(models.Viewer{UserID: item.ArtistID}, item, now))
}

func (s *Server) deleteContent(c *fiber.Ctx) error {
	item, err := s.ownedContent(c)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	if item.PublicAt != nil && item.PublicAt.After(now) {
		item.PublicAt = nil // no longer to be released
		if err := s.release(c.UserContext(), item, now); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteContent(c.UserContext(), item.ArtistID, item.ID, now); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// release makes the item's ReleaseWorkflow follow its public_at: started
// or moved to a future time, cancelled otherwise (a release that is not
// running or already public is left alone). The workflow only announces:
// access follows public_at through models.CanAccess, whatever ran.
func (s *Server) release(ctx context.Context, item *models.Content, now time.Time) error {
	ctx, cancel := s.temporalContext(ctx)
	defer cancel()
	releases := workflows.ReleaseClient{Conn: s.workflows()}
	if item.PublicAt != nil {
		_, err := releases.Schedule(ctx, models.Release{ContentID: item.ID, ArtistID: item.ArtistID, Title: item.Title, PublicAt: *item.PublicAt}, now)
		return err
	}
	_, err := releases.Cancel(ctx, item.ID)
	if code := models.ErrorCode(err); code == models.CodeNotFound || code == models.CodeConflict {
		return nil
	}
	return err
}

// dropBlob deletes a replaced upload once the row no longer names it; a
// failure leaves an unreachable blob, logged, and the answer unchanged.
func (s *Server) dropBlob(ctx context.Context, old, current string) {
	if old == "" || old == current {
		return
	}
	if err := s.Blobs.Delete(ctx, old); err != nil && !errors.Is(err, blobs.ErrNotFound) {
		s.Log.WarnContext(ctx, "delete replaced content media", "key", old, "error", err)
	}
}

func (s *Server) uploadContentMedia(c *fiber.Ctx) error {
	item, err := s.ownedContent(c)
	if err != nil {
		return err
	}
	f, err := readUpload(c, s.Config.ContentMediaMaxBytes, contentMediaTypes, "content media may be audio, images (JPEG, PNG, GIF, WebP) or mp4, webm or ogg video")
	if err != nil {
		return err
	}
	defer f.Close()
	ctx := c.UserContext()
	// A fresh random key per upload: nothing about it can be guessed from
	// the item, and a replaced blob is never served by mistake.
	key := "content-" + uuid.NewString()
	if err := s.Blobs.Put(ctx, key, f, f.size, f.contentType); err != nil {
		return err
	}
	oldKey := item.MediaKey
	item.MediaKey, item.MediaType, item.MediaSize, item.MediaURL = key, f.contentType, f.size, ""
	item.UpdatedAt = s.Auth.Now()
	if err := s.Store.UpdateContent(ctx, item); err != nil {
		s.dropBlob(ctx, key, "") // nothing half-written
		return err
	}
	s.dropBlob(ctx, oldKey, key)
	return c.JSON(viewContent(models.Viewer{UserID: item.ArtistID}, item, item.UpdatedAt))
}

func (s *Server) listContent(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	q, err := decodeQuery[pageQuery](c)
	if err != nil {
		return err
	}
	v, err := s.viewerOf(c, a.ID)
	if err != nil {
		return err
	}
	items, next, err := s.Store.Contents(c.UserContext(), a.ID, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	out := contentPage{Items: make([]contentView, len(items)), NextCursor: next}
	for i := range items {
		out.Items[i] = viewContent(v, &items[i], now)
	}
	return c.JSON(out)
}

// openContent is the path's item when the caller may open it now, else
// the 403 naming the tier and the time it opens to them.
func (s *Server) openContent(c *fiber.Ctx) (*models.Content, models.Viewer, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return nil, models.Viewer{}, err
	}
	item, err := s.Store.Content(c.UserContext(), id)
	if err != nil {
		return nil, models.Viewer{}, err
	}
	v, err := s.viewerOf(c, item.ArtistID)
	if err != nil {
		return nil, v, err
	}
	if now := s.Auth.Now(); !models.CanAccess(v, item.Resource(), now) {
		return nil, v, models.Locked(v, item.Resource(), now)
	}
	return item, v, nil
}

func (s *Server) content(c *fiber.Ctx) error {
	item, v, err := s.openContent(c)
	if err != nil {
		return err
	}
	return c.JSON(viewContent(v, item, s.Auth.Now()))
}

func (s *Server) contentMedia(c *fiber.Ctx) error {
	item, _, err := s.openContent(c)
	if err != nil {
		return err
	}
	if item.MediaKey == "" {
		return models.Errorf(models.CodeNotFound, "this item has no uploaded media")
	}
	// Streamed after the handler returns: the blob is read under its own
	// deadline, released when the stream closes (as attachments are).
	bctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), downloadTimeout)
	r, err := s.Blobs.Get(bctx, item.MediaKey)
	if err != nil {
		cancel()
		if errors.Is(err, blobs.ErrNotFound) {
			return models.ErrNotFound
		}
		return err
	}
	c.Set(fiber.HeaderContentType, item.MediaType)
	c.Set(fiber.HeaderCacheControl, "private")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderAcceptRanges, "none")
	return c.SendStream(closeCancels{r, cancel}, int(item.MediaSize))
}

func (s *Server) play(c *fiber.Ctx) error {
	req, err := decodeJSON[playRequest](c)
	if err != nil {
		return err
	}
	item, v, err := s.openContent(c)
	if err != nil {
		return err
	}
	switch {
	case !item.Kind.Playable():
		return models.Errorf(models.CodeInvalid, "only tracks and videos are played")
	case req.PositionSeconds > item.DurationSeconds:
		return models.FieldError("position_seconds", "position_seconds must be within the item's %d seconds", item.DurationSeconds)
	}
	p := &models.Play{ID: models.NewID(), UserID: v.UserID, PositionSeconds: req.PositionSeconds,
		SecondsListened: req.SecondsListened, CreatedAt: s.Auth.Now()}
	if err := s.Store.RecordPlay(c.UserContext(), item, p); err != nil {
		return err
	}
	if p.UserID != item.ArtistID {
		s.countLive(c.UserContext(), item.ArtistID, livePlays, 1)
	}
	return c.Status(http.StatusCreated).JSON(playView{ID: p.ID.String(), PositionSeconds: p.PositionSeconds, SecondsListened: p.SecondsListened})
}
