package models

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// DiscordWebhook is the webhook an artist's announcements go to. Its token
// is a secret (whoever holds it posts to the channel): no response, log
// line or formatted value ever shows it, only Hint.
type DiscordWebhook struct {
	ArtistID  uuid.UUID `gorm:"primaryKey"`
	WebhookID string
	Token     string
	ChannelID string // as Discord named it when the webhook was checked
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Hint is the token's last four characters, for an artist to tell two
// webhooks apart.
func (w DiscordWebhook) Hint() string {
	if len(w.Token) < 4 {
		return "…"
	}
	return "…" + w.Token[len(w.Token)-4:]
}

// String keeps the token out of %v and %s.
func (w DiscordWebhook) String() string {
	return fmt.Sprintf("discord webhook %s (token %s) of artist %s", w.WebhookID, w.Hint(), w.ArtistID)
}

// GoString keeps it out of %#v.
func (w DiscordWebhook) GoString() string { return w.String() }

// LogValue keeps the token out of structured logs.
func (w DiscordWebhook) LogValue() slog.Value {
	return slog.GroupValue(slog.String("artist_id", w.ArtistID.String()), slog.String("webhook_id", w.WebhookID), slog.String("token", w.Hint()))
}

// DiscordPost records an announcement posted (or being posted) under its
// key, so a retried activity posts it once.
type DiscordPost struct {
	Key       string `gorm:"primaryKey"`
	ArtistID  uuid.UUID
	CreatedAt time.Time
}
