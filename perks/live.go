package perks

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/notifier"
)

// Limits of a live session.
const (
	MaxLiveTitleRunes = 200
	MaxLiveChatRunes  = 500
	maxStreamURLSize  = 2048
)

// Live is the live sessions' use cases: an artist streams elsewhere and
// the members with the perk watch and chat.
type Live struct {
	Store  *store.Store
	Notify *notifier.Notifier
	Now    func() time.Time
}

// CanWatch checks who may see the artist's live sessions: the artist,
// admins and the members whose tier has the perk.
func (l *Live) CanWatch(ctx context.Context, artistID uuid.UUID, who Who) error {
	return allowed(ctx, l.Store, models.Resource{Kind: models.ResourceLiveSession, ArtistID: artistID}, who, l.Now(), "live sessions are for superfans")
}

// Running returns the artist's running session to who may watch it.
func (l *Live) Running(ctx context.Context, artistID uuid.UUID, who Who) (*models.LiveSession, error) {
	if err := l.CanWatch(ctx, artistID, who); err != nil {
		return nil, err
	}
	return l.Store.RunningLiveSession(ctx, artistID)
}

// Session returns a running session to who may watch it; an ended one is
// closed to joins and chat (conflict).
func (l *Live) Session(ctx context.Context, id uuid.UUID, who Who) (*models.LiveSession, error) {
	s, err := l.Store.LiveSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := l.CanWatch(ctx, s.ArtistID, who); err != nil {
		return nil, err
	}
	if s.EndedAt != nil {
		return nil, models.Errorf(models.CodeConflict, "this live session has ended")
	}
	return s, nil
}

// Start starts the artist's session (one at a time) and tells the
// superfans. A broadcast Temporal refuses takes the row back, so no
// session runs that nobody was told of.
func (l *Live) Start(ctx context.Context, artist *models.Artist, rawTitle, streamURL string) (*models.LiveSession, error) {
	title, err := Text(rawTitle, "title", MaxLiveTitleRunes)
	if err != nil {
		return nil, err
	}
	embed, err := streamEmbed(streamURL)
	if err != nil {
		return nil, err
	}
	s := &models.LiveSession{ID: models.NewID(), ArtistID: artist.ID, Title: title, StreamURL: streamURL, EmbedURL: embed, StartedAt: l.Now()}
	if err := l.Store.StartLiveSession(ctx, s); err != nil {
		return nil, err
	}
	_, err = l.Notify.Broadcast(ctx, models.Members(artist.ID, models.TierSuperfan), notify.Notification{
		Category: "live", GroupKey: "live:" + s.ID.String(),
		Title: artist.Name + " is live", Body: title,
		Data: map[string]any{"live_session_id": s.ID.String(), "artist_id": artist.ID.String()},
	}, "live/"+s.ID.String()+"/start")
	if err != nil {
		if derr := l.Store.DeleteLiveSession(context.WithoutCancel(ctx), s.ID); derr != nil { // ctx may be what ran out
			return nil, derr
		}
		return nil, err
	}
	return s, nil
}

// End ends the artist's running session.
func (l *Live) End(ctx context.Context, artistID uuid.UUID) (*models.LiveSession, error) {
	return l.Store.EndLiveSession(ctx, artistID, l.Now())
}

// Chat checks a chat line of who in a running session and returns it
// sanitized like a DM. Lines are not stored: the room fans them out and
// its event history replays the recent ones to a socket that rejoins.
func (l *Live) Chat(ctx context.Context, sessionID uuid.UUID, who Who, raw string) (string, error) {
	if _, err := l.Session(ctx, sessionID, who); err != nil {
		return "", err
	}
	return Text(raw, "body", MaxLiveChatRunes)
}

// streamEmbed checks a stream URL (https, a host, no credentials) and
// derives the embed URL of a YouTube video from its id alone, so nothing
// of the given URL but a checked id reaches the page's iframe. Other
// hosts have no embed: clients link to the URL.
func streamEmbed(raw string) (*string, error) {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > maxStreamURLSize || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, models.FieldError("stream_url", "stream_url must be an https URL without credentials (at most %d bytes)", maxStreamURLSize)
	}
	var id string
	switch strings.ToLower(u.Hostname()) {
	case "youtube.com", "www.youtube.com", "m.youtube.com":
		if u.Path == "/watch" {
			id = u.Query().Get("v")
		} else if rest, ok := strings.CutPrefix(u.Path, "/live/"); ok {
			id = rest
		}
	case "youtu.be":
		id = strings.TrimPrefix(u.Path, "/")
	default:
		return nil, nil
	}
	embed := models.YouTubeEmbedURL(id)
	if embed == "" {
		return nil, models.FieldError("stream_url", "stream_url must name a YouTube video (watch?v=, /live/ or youtu.be/)")
	}
	return &embed, nil
}
