package api

import (
	"errors"
	"io"
	"mime/multipart"

	"github.com/gabriel-vasile/mimetype"
	"github.com/gofiber/fiber/v2"

	"github.com/fanfare/fanfare/models"
)

// upload is a multipart "file" whose type was sniffed from its bytes
// (never from its name or declared type). Reading starts at its beginning.
type upload struct {
	multipart.File
	size        int64
	contentType string
}

// readUpload opens the request's "file" of at most limit bytes and sniffs
// it: a type not in types is 415 unsupported_type, saying what kinds
// (what) are taken. The caller closes the file.
func readUpload(c *fiber.Ctx, limit int, types []string, what string) (*upload, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, models.FieldError("file", "send the file as multipart/form-data field \"file\"")
	}
	if fh.Size > int64(limit) {
		return nil, models.Errorf(models.CodeTooLarge, "files here are at most %d bytes", limit)
	}
	if fh.Size == 0 {
		return nil, models.FieldError("file", "the file is empty")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	head := make([]byte, 3072)
	n, err := io.ReadFull(f, head)
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	kind := mimetype.Detect(head[:n])
	for _, t := range types {
		if kind.Is(t) {
			return &upload{File: f, size: fh.Size, contentType: t}, nil
		}
	}
	f.Close()
	return nil, &models.Error{Code: models.CodeUnsupported, Message: what + "; this file is " + kind.String(), Field: "file"}
}
