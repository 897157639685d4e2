package blobs_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/blobs"
)

// One suite for every store; S3 is spoken to over HTTP, to an in-process
// S3 server (gofakes3), with the same client as production.
func TestStores(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	s3, err := blobs.NewS3(context.Background(), strings.TrimPrefix(srv.URL, "http://"), "us-east-1", "fanfare-test", "key", "secret", false)
	require.NoError(t, err)
	for name, st := range map[string]blobs.Store{"disk": blobs.Disk{Dir: t.TempDir()}, "s3": s3} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			data := bytes.Repeat([]byte("fanfare"), 10000)
			require.NoError(t, st.Put(ctx, "a1", bytes.NewReader(data), int64(len(data)), "image/png"))
			r, err := st.Get(ctx, "a1")
			require.NoError(t, err)
			got, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			require.Equal(t, data, got)
			require.NoError(t, st.Delete(ctx, "a1"))
			_, err = st.Get(ctx, "a1")
			require.ErrorIs(t, err, blobs.ErrNotFound)
			require.NoError(t, st.Delete(ctx, "a1"), "deleting twice")
		})
	}
	require.Error(t, blobs.Disk{Dir: t.TempDir()}.Put(context.Background(), "../escape", strings.NewReader("x"), 1, ""))
}
