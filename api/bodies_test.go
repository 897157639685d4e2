package api_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/testenv"
)

// gzipped compresses data.
func gzipped(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// gzipBomb is a gzip stream of 1 GiB of zeros, about 1 MB: 16 members of
// 64 MiB each (a gzip reader reads concatenated members as one stream).
func gzipBomb(t *testing.T) []byte {
	return bytes.Repeat(gzipped(t, make([]byte, 64<<20)), 16)
}

// memoryGrowth is what the Go runtime allocated, and took from the OS,
// while fn ran.
func memoryGrowth(fn func()) (allocated, obtained uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Sys - before.Sys
}

// A compressed body is refused before anything inflates it: a gzip bomb
// costs the api nothing.
func TestCompressedBodiesAreRefused(t *testing.T) {
	// A body limit above the bomb's size, so the refusal is the encoding's.
	app := testenv.StartApp(t, testenv.WithConfig(func(c *config.Config) { c.BodyLimit = 2 << 20 }))
	bomb := gzipBomb(t)
	for _, tc := range []struct {
		name, path, encoding string
		body                 []byte
	}{
		{"1 GiB of zeros, gzipped", "/api/auth/login", "gzip", bomb},
		{"gzipped twice, a few KB", "/api/auth/login", "gzip, gzip", gzipped(t, bomb)},
		{"the upload route", "/api/messages/attachments", "gzip", bomb},
		{"any encoding", "/api/auth/login", "identity", []byte(`{"email":"a@example.com","password":"x"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, app.URL+tc.path, bytes.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", tc.encoding)
			var r testenv.Response
			allocated, obtained := memoryGrowth(func() { r = app.Send(t, req) })
			t.Logf("allocated %d KiB, obtained %d KiB", allocated>>10, obtained>>10)
			// The client's copy of the body and the server's are a few MB at most.
			require.Less(t, allocated, uint64(8<<20), "bytes allocated during the request")
			require.Less(t, obtained, uint64(8<<20), "memory taken from the OS during the request")
			require.Equal(t, http.StatusUnsupportedMediaType, r.Status, string(r.Body))
			require.Equal(t, "unsupported_type", r.ErrorCode(t))
		})
	}

	t.Run("a second, empty Content-Encoding line", func(t *testing.T) {
		status := rawRequest(t, app, "POST /api/auth/login HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"+
			"Content-Encoding:\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n", gzipped(t, nil)[:10])
		require.Equal(t, http.StatusUnsupportedMediaType, status)
	})
}

// rawRequest writes head and body on a fresh connection and returns the
// status of the answer: it shows what the server answers before (or
// without) reading a body.
func rawRequest(t *testing.T, app *testenv.App, head string, body []byte) int {
	status, _ := rawAnswer(t, app, head, body)
	return status
}

// rawAnswer is rawRequest with the answer's body.
func rawAnswer(t *testing.T, app *testenv.App, head string, body []byte) (int, string) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(app.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second))) // a server waiting for the body fails, not hangs
	_, err = conn.Write(append([]byte(head), body...))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// JSON routes take BODY_LIMIT (64 KiB by default); only the upload route
// takes an attachment's size, and the limit holds before the body is read.
func TestBodyLimitsPerRoute(t *testing.T) {
	app := testenv.StartApp(t)
	require.Equal(t, 64<<10, app.Platform.Config.BodyLimit, "the default")
	fan := app.Register(t, "fan", "Kai")

	t.Run("65 KiB of JSON", func(t *testing.T) {
		// Declared, not sent: the answer comes from the length alone.
		status, body := rawAnswer(t, app, fmt.Sprintf("POST /api/auth/login HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 65<<10), nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, status)
		require.Contains(t, body, `"too_large"`)
	})

	t.Run("an upload-sized body to a JSON route, refused from its headers", func(t *testing.T) {
		for name, head := range map[string]string{
			"declared": "Content-Length: 8388608\r\n\r\n",
			"chunked":  "Transfer-Encoding: chunked\r\n\r\n800000\r\n", // one 8 MiB chunk, never sent
		} {
			t.Run(name, func(t *testing.T) {
				status := rawRequest(t, app, "POST /api/push/subscriptions HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer "+fan.AccessToken+
					"\r\nContent-Type: application/json\r\n"+head, nil)
				require.Equal(t, http.StatusRequestEntityTooLarge, status)
			})
		}
	})

	t.Run("the upload route takes an attachment's size", func(t *testing.T) {
		r := app.Upload(t, fan.AccessToken, "big.png", testenv.PNG(4<<20))
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	})

	t.Run("webhooks take SendGrid's batches", func(t *testing.T) {
		r := app.Do(t, http.MethodPost, "/api/webhooks/sendgrid", "", []byte("["+strings.Repeat(`{"event":"open"},`, 30000)+`{}]`))
		require.Equal(t, http.StatusUnauthorized, r.Status, "not 413: the signature is what is checked")
	})
}

// A refused body gets its answer whole, as a browser reads it: a client
// still writing a body the server refused saw a reset, which throws away
// the answer (the connection now lingers, reading what comes, before it
// closes).
func TestRefusedBodiesAreAnsweredWhole(t *testing.T) {
	app := testenv.StartApp(t)
	mib := bytes.Repeat([]byte("a"), 1<<20)
	head := func(path, extra string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n", path, extra, len(mib))
	}
	for _, tc := range []struct {
		name, head  string
		afterAnswer bool
		status      int
		code        string
	}{
		// The body is written only once the answer is in: the server has
		// closed by then, so without the lingering close it always resets.
		{"1 MiB to a 64 KiB route, sent after the answer", head("/api/auth/login", ""), true, http.StatusRequestEntityTooLarge, "too_large"},
		{"1 MiB to a 64 KiB route, sent while the answer comes", head("/api/auth/login", ""), false, http.StatusRequestEntityTooLarge, "too_large"},
		{"1 MiB gzipped to a 64 KiB route", head("/api/auth/login", "Content-Encoding: gzip\r\n"), false, http.StatusRequestEntityTooLarge, "too_large"},
		// Within the upload route's limit the body is read and then refused
		// for its encoding; Connection: close makes the server end it after.
		{"1 MiB gzipped to the upload route", head("/api/messages/attachments", "Content-Encoding: gzip\r\nConnection: close\r\n"), false, http.StatusUnsupportedMediaType, "unsupported_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := answerWhileWriting(t, app, tc.head, mib, tc.afterAnswer)
			require.Equal(t, tc.status, status, body)
			require.Contains(t, body, `"code":"`+tc.code+`"`)
		})
	}
}

// answerWhileWriting writes head and body on a fresh connection (the body
// only once the answer is read, when afterAnswer), then ends its side, and
// reads the answer meanwhile. The body must be taken to its end, and the
// connection end with the server's FIN, not a reset.
func answerWhileWriting(t *testing.T, app *testenv.App, head string, body []byte, afterAnswer bool) (int, string) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(app.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	answered, written := make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := conn.Write([]byte(head))
		if afterAnswer {
			select {
			case <-answered:
			case <-t.Context().Done():
			}
		}
		if err == nil {
			_, err = conn.Write(body)
		}
		if err == nil {
			err = conn.(*net.TCPConn).CloseWrite()
		}
		written <- err
	}()
	rd := bufio.NewReader(conn)
	resp, err := http.ReadResponse(rd, nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	close(answered)
	require.NoError(t, <-written, "the whole body was taken")
	_, err = rd.ReadByte()
	require.ErrorIs(t, err, io.EOF, "the server ended the connection without a reset")
	return resp.StatusCode, string(b)
}
