package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// Unsent uploads: held within the quota, and the stale ones deleted page
// by page, oldest first, with their ids returned for their blobs.
func TestPendingUploads(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		u := newUser(t, st, "up@example.com", models.RoleFan)
		now := time.Now().UTC()
		upload := func(age time.Duration) (*models.Attachment, error) {
			a := &models.Attachment{ID: models.NewID(), UploaderID: u.ID, ContentType: "image/png", SizeBytes: 100, SHA256: "x", CreatedAt: now.Add(-age)}
			return a, st.CreateUpload(ctx, a, 300)
		}
		var made []*models.Attachment
		for _, age := range []time.Duration{48 * time.Hour, 25 * time.Hour, time.Hour} {
			a, err := upload(age)
			require.NoError(t, err)
			made = append(made, a)
		}
		_, err := upload(0)
		require.Equal(t, models.CodeQuotaExceeded, models.ErrorCode(err), "%v", err)

		before := now.Add(-24 * time.Hour)
		for _, want := range [][]uuid.UUID{{made[0].ID}, {made[1].ID}, {}} {
			got, err := st.DeleteStaleUploads(ctx, before, 1)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		left := testenv.Rows[models.Attachment](t, st, "created_at", "uploader_id = ?", u.ID)
		require.Len(t, left, 1)
		require.Equal(t, made[2].ID, left[0].ID, "the fresh upload stays")
	})
}
