package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// With S3_ENDPOINT set, the app keeps attachments in the bucket (an
// in-process S3 server here, spoken to over HTTP): an upload lands there,
// and its uploader, then the other member once it is sent, download it.
func TestAttachmentsInS3(t *testing.T) {
	bucket := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(bucket).Server())
	t.Cleanup(srv.Close)
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) {
		cfg.S3Endpoint, cfg.S3Secure, cfg.S3Bucket = strings.TrimPrefix(srv.URL, "http://"), false, "fanfare-test"
		cfg.S3AccessKey, cfg.S3SecretKey = "key", "secret"
	}))
	fan := c.member(t, "Kai", models.TierSuperfan)
	_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
	png := testenv.PNG(300 << 10) // several reads of the stream
	var att struct{ ID, URL string }
	r := c.app.Upload(t, fan.AccessToken, "photo.png", png)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.Decode(t, &att)
	obj, err := bucket.HeadObject("fanfare-test", att.ID)
	require.NoError(t, err, "the upload is in the bucket")
	require.EqualValues(t, len(png), obj.Size)

	got := c.app.Do(t, http.MethodGet, att.URL, fan.AccessToken, nil)
	require.Equal(t, http.StatusOK, got.Status)
	require.Equal(t, png, got.Body, "the uploader downloads it before it is sent")
	r = c.app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv.ID+"/messages", fan.AccessToken, map[string]any{"attachments": []string{att.ID}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	got = c.app.Do(t, http.MethodGet, att.URL, c.artist.AccessToken, nil)
	require.Equal(t, http.StatusOK, got.Status)
	require.Equal(t, png, got.Body)
	require.Equal(t, "image/png", got.Header.Get("Content-Type"))
}

// UPLOAD_PENDING_QUOTA bounds the bytes a user holds in uploads no message
// carries: past it an upload is refused (429 quota_exceeded), also when
// the uploads come at once, and sending one frees its share.
func TestPendingUploadQuota(t *testing.T) {
	const size, quota = 1000, 4096 // four uploads fit
	c := newClub(t, testenv.WithConfig(func(cfg *config.Config) {
		cfg.AttachmentMaxBytes, cfg.UploadPendingQuota, cfg.MessageRateLimit = 1024, quota, 0
	}))
	png := testenv.PNG(size)

	t.Run("one after another", func(t *testing.T) {
		fan := c.member(t, "Kai", models.TierSuperfan)
		var first struct{ ID string }
		for i := range 4 {
			r := c.app.Upload(t, fan.AccessToken, "a.png", png)
			require.Equal(t, http.StatusCreated, r.Status, "upload %d: %s", i, r.Body)
			if i == 0 {
				r.Decode(t, &first)
			}
		}
		r := c.app.Upload(t, fan.AccessToken, "a.png", png)
		require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
		require.Equal(t, "quota_exceeded", r.ErrorCode(t))
		require.Len(t, testenv.Rows[models.Attachment](t, c.app.Platform.Store, "created_at", "uploader_id = ?", fan.User.ID), 4, "nothing written")

		_, conv := c.open(t, fan.AccessToken, c.artist.User.ID)
		r = c.app.Do(t, http.MethodPost, "/api/messages/conversations/"+conv.ID+"/messages", fan.AccessToken, map[string]any{"attachments": []string{first.ID}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		require.Equal(t, http.StatusCreated, c.app.Upload(t, fan.AccessToken, "a.png", png).Status, "a sent upload no longer counts")
	})

	t.Run("at once", func(t *testing.T) {
		fan := c.app.Register(t, "fan", "Rush")
		const n = 10
		statuses := make([]int, n) // 0: no answer
		var wg sync.WaitGroup
		for i := range n {
			req := c.app.UploadRequest(t, fan.AccessToken, "a.png", png)
			wg.Go(func() {
				if resp, err := c.app.HTTP.Do(req); err == nil {
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				}
			})
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		require.Equal(t, map[int]int{http.StatusCreated: 4, http.StatusTooManyRequests: n - 4}, count)
		var held int64
		for _, a := range testenv.Rows[models.Attachment](t, c.app.Platform.Store, "created_at", "uploader_id = ?", fan.User.ID) {
			held += a.SizeBytes
		}
		require.LessOrEqual(t, held, int64(quota))
	})
}
