package activities

import (
	"context"
	"time"

	"github.com/fanfare/fanfare/internal/blobs"
	"github.com/fanfare/fanfare/internal/store"
)

// Uploads deletes the uploads no message ever carried.
type Uploads struct {
	Store *store.Store
	Blobs blobs.Store
}

// DeleteStaleUploads deletes the rows of up to limit uploads made before
// `before` that no message carries, and returns their blobs' keys.
func (a *Uploads) DeleteStaleUploads(ctx context.Context, before time.Time, limit int) ([]string, error) {
	ids, err := a.Store.DeleteStaleUploads(ctx, before, limit)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = id.String()
	}
	return keys, err
}

// DeleteBlobs deletes the blobs of keys; a blob already gone is no error,
// so a retry is harmless.
func (a *Uploads) DeleteBlobs(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := a.Blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
