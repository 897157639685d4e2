package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/models"
)

const attachmentsPath = "/api/messages/attachments"

// attachmentTypes are the kinds of file a message may carry, as sniffed
// from their first bytes (never from the name or the declared type).
var attachmentTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4", "application/pdf"}

func (s *Server) attachmentRoutes(r *routes) {
	r.add(fiber.MethodPost, attachmentsPath, op{summary: "Upload an attachment (multipart field \"file\"; images, audio, PDF), then send its id with a message within a day (unsent uploads count against UPLOAD_PENDING_QUOTA)", tag: "messages", auth: true,
		out: attachmentView{}, status: http.StatusCreated, errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests}},
		s.authenticate, s.rateLimit("upload", s.Config.MessageRateLimit, userKey), s.uploadAttachment)
	r.add(fiber.MethodGet, attachmentsPath+"/:id", op{summary: "An attachment, for the members of its conversation (or its uploader before it is sent)", tag: "messages", auth: true,
		owner: membersOnly}, s.authenticate, s.attachment)
}

// downloadTimeout bounds the streaming of one attachment to a client.
const downloadTimeout = 5 * time.Minute

// closeCancels ends a stream's context when the server closes the stream.
type closeCancels struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c closeCancels) Close() error {
	defer c.cancel()
	return c.ReadCloser.Close()
}

func viewAttachment(a *models.Attachment) attachmentView {
	return attachmentView{ID: a.ID.String(), ContentType: a.ContentType, SizeBytes: a.SizeBytes, URL: attachmentsPath + "/" + a.ID.String()}
}

func (s *Server) uploadAttachment(c *fiber.Ctx) error {
	f, err := readUpload(c, s.Config.AttachmentMaxBytes, attachmentTypes, "attachments may be images, audio or PDF")
	if err != nil {
		return err
	}
	defer f.Close()
	// Hashed before anything is written: the row, with its hash, reserves
	// the quota first, so refused uploads never reach the blob store.
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	p, _ := caller(c)
	a := &models.Attachment{ID: models.NewID(), UploaderID: p.UserID, ContentType: f.contentType, SizeBytes: f.size,
		SHA256: hex.EncodeToString(sum.Sum(nil)), CreatedAt: s.Auth.Now()}
	ctx := c.UserContext()
	if err := s.Store.CreateUpload(ctx, a, s.Config.UploadPendingQuota); err != nil {
		return err
	}
	if err := s.Blobs.Put(ctx, a.ID.String(), f, f.size, f.contentType); err != nil {
		// Nothing half-written: the row goes too (the upload sweep takes it
		// a day later should this delete fail as well).
		_ = s.Store.DeleteUpload(ctx, a.ID)
		return err
	}
	return c.Status(http.StatusCreated).JSON(viewAttachment(a))
}

func (s *Server) attachment(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	p, _ := caller(c)
	ctx := c.UserContext()
	a, err := s.Store.AttachmentFor(ctx, id, p.UserID)
	if err != nil {
		return err
	}
	// The body is streamed after the handler returned, when the request's
	// context has ended: the blob is read under its own deadline, released
	// when the stream is closed.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), downloadTimeout)
	r, err := s.Blobs.Get(bctx, a.ID.String())
	if err != nil {
		cancel()
		if errors.Is(err, blobs.ErrNotFound) {
			return models.ErrNotFound
		}
		return err
	}
	r = closeCancels{r, cancel}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	if !strings.HasPrefix(a.ContentType, "image/") {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+a.ID.String()+`"`)
	}
	return c.SendStream(r, int(a.SizeBytes))
}
