package notify

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fanfare/fanfare/models"
)

// A broadcast's rows are the rows Row builds, addressed to each recipient
// under an id that is the same on retry and ordered by time, listing the
// channels each recipient gets it on.
func TestBroadcastRows(t *testing.T) {
	created := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	users := []uuid.UUID{models.NewID(), models.NewID()}
	channels := [][]models.Channel{{models.ChannelInApp, models.ChannelEmail, models.ChannelPush}, {models.ChannelInApp, models.ChannelPush}}
	for name, id := range map[string]uuid.UUID{
		"fresh": models.NewID(),
		"keyed": uuid.NewSHA1(uuid.NameSpaceURL, []byte("release/1/public")),
	} {
		t.Run(name, func(t *testing.T) {
			b := models.Broadcast{ID: id.String(), ArtistID: models.NewID().String(), Category: "announcement",
				GroupKey: "artist:1", Title: "Tour", Body: "Lyon", TTL: time.Hour, CreatedAt: created}
			rows, err := BroadcastRows(b, users, channels)
			require.NoError(t, err)
			again, err := BroadcastRows(b, users, channels)
			require.NoError(t, err)
			require.Equal(t, rows, again, "the same rows on retry")
			one, err := Row(Notification{UserID: users[0], Category: "announcement", GroupKey: "artist:1", Title: "Tour", Body: "Lyon", TTL: time.Hour,
				Data: map[string]any{"broadcast_id": b.ID}}, created)
			require.NoError(t, err)
			one.ID, one.BroadcastID = rows[0].ID, &id
			require.Equal(t, *one, rows[0])
			require.Equal(t, `{"broadcast_id":"`+b.ID+`"}`, rows[0].Data)
			require.Equal(t, "in_app,push", rows[1].Channels, "the second turned email off")
			require.NotEqual(t, rows[0].ID, rows[1].ID)
			for i, r := range rows {
				require.Equal(t, users[i], r.UserID)
				require.Equal(t, uuid.Version(7), r.ID.Version())
				var ms [8]byte
				copy(ms[2:], r.ID[:6])
				want := created.UnixMilli()
				if id.Version() == 7 {
					want = time.Unix(id.Time().UnixTime()).UnixMilli()
				}
				require.Equal(t, want, int64(binary.BigEndian.Uint64(ms[:])), "time-ordered")
			}
		})
	}
	_, err := BroadcastRows(models.Broadcast{ID: "nope", Category: "announcement", Title: "x"}, users, channels)
	require.Error(t, err)
}
