package messaging_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/messaging"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/tooling/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Send called directly, without HTTP: what it refuses writes nothing and
// renders nothing; what it stores is rendered once, a replay not again.
func TestSend(t *testing.T) {
	app := testenv.StartApp(t)
	p := app.Platform
	artist := app.Register(t, "artist", "Nova")
	fan := app.Register(t, "fan", "Ada")
	r := app.Do(t, http.MethodPost, "/api/artists/"+artist.User.ID+"/subscription", fan.AccessToken, map[string]any{"tier": "superfan"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r = app.Do(t, http.MethodPost, "/api/messages/conversations", fan.AccessToken, map[string]any{"user_id": artist.User.ID})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var conv struct{ ID uuid.UUID }
	r.Decode(t, &conv)

	m := &messaging.Messages{Store: p.Store, Hub: p.Hub, Notify: p.Notify, Log: p.Log, Now: p.Auth.Now}
	rendered := 0
	render := func(sent *store.Sent) (realtime.Event, error) {
		rendered++
		return realtime.Event{Type: "message:new", Data: map[string]any{"id": sent.Message.ID.String()}}, nil
	}
	send := func(body, key string) (*store.Sent, error) {
		return m.Send(context.Background(), messaging.Send{ConversationID: conv.ID, SenderID: uuid.MustParse(fan.User.ID),
			SenderRole: models.RoleFan, Body: body, IdempotencyKey: key}, render)
	}
	stored := func() int {
		return len(testenv.Rows[models.Message](t, p.Store, "id", "conversation_id = ?", conv.ID))
	}
	code := func(err error) models.Code {
		var e *models.Error
		if errors.As(err, &e) {
			return e.Code
		}
		return ""
	}

	t.Run("refused input writes nothing", func(t *testing.T) {
		for name, body := range map[string]string{
			"empty":      "  <b></b> ",
			"four links": "a.com b.io c.org d.net",
			"too long":   strings.Repeat("x", 4001),
			"not UTF-8":  "\xff",
		} {
			_, err := send(body, "")
			require.Equal(t, models.CodeInvalid, code(err), name)
		}
		require.Zero(t, stored())
		require.Zero(t, rendered)
	})

	t.Run("stored sanitized, rendered once, a replay not again", func(t *testing.T) {
		sent, err := send("<script>x</script>hello <b>there</b>", "k1")
		require.NoError(t, err)
		require.Equal(t, "hello there", sent.Message.Body)
		require.True(t, sent.Message.Counted)
		require.Equal(t, 1, rendered)
		again, err := send("<script>x</script>hello <b>there</b>", "k1")
		require.NoError(t, err)
		require.True(t, again.Replayed)
		require.Equal(t, sent.Message.ID, again.Message.ID)
		require.Equal(t, 1, rendered)
		require.Equal(t, 1, stored())
	})

	t.Run("no quota left: quota_exceeded and nothing written", func(t *testing.T) {
		require.NoError(t, p.Store.DB(context.Background()).Model(&models.QuotaPeriod{}).
			Where("fan_id = ?", fan.User.ID).Update("used", gorm.Expr("quota_limit")).Error)
		_, err := send("one more", "")
		require.Equal(t, models.CodeQuotaExceeded, code(err))
		require.Equal(t, 1, stored())
		require.Equal(t, 1, rendered)
	})
}
