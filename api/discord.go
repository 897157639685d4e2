package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/discord"
	"github.com/fanfare/fanfare/internal/ratelimit"
	"github.com/fanfare/fanfare/models"
)

// An artist's Discord webhook, where their parties are announced when
// they go live. The URL names a webhook; requests go only to
// DISCORD_API_BASE. Its token is a secret: set once, never shown again.

type discordWebhookRequest struct {
	WebhookURL string `json:"webhook_url" validate:"required,max=512" description:"As Discord's Copy Webhook URL gives it: https://discord.com/api/webhooks/{id}/{token} (discordapp.com, ptb. and canary. too); checked with Discord before it is stored"`
}

type discordWebhookView struct {
	Set       bool       `json:"set" description:"The artist has a webhook"`
	WebhookID string     `json:"webhook_id,omitempty"`
	ChannelID string     `json:"channel_id,omitempty" description:"The channel Discord said the webhook posts to"`
	TokenHint string     `json:"token_hint,omitempty" description:"The token's last four characters; the token itself is never shown"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

func viewDiscordWebhook(w *models.DiscordWebhook) discordWebhookView {
	if w == nil {
		return discordWebhookView{}
	}
	return discordWebhookView{Set: true, WebhookID: w.WebhookID, ChannelID: w.ChannelID, TokenHint: w.Hint(), UpdatedAt: utc(&w.UpdatedAt)}
}

func (s *Server) discordRoutes(r *routes) {
	const path = "/api/artists/:id/discord"
	limit := s.rateLimit("discord", s.Config.MessageRateLimit, userKey)
	r.add(fiber.MethodGet, path, op{summary: "Whether the artist set a Discord webhook, its id and channel (never its token)", tag: "artists", auth: true,
		out: discordWebhookView{}, errors: []int{http.StatusNotFound}, owner: artistOwned}, s.authenticate, s.discordWebhook)
	r.add(fiber.MethodPut, path, op{summary: "Set the artist's Discord webhook, where their parties are announced when they go live; Discord is asked whether it exists first", tag: "artists", auth: true,
		in: discordWebhookRequest{}, out: discordWebhookView{}, errors: []int{http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable}, owner: artistOwned},
		s.authenticate, limit, s.setDiscordWebhook)
	r.add(fiber.MethodDelete, path, op{summary: "Forget the artist's Discord webhook", tag: "artists", auth: true,
		status: http.StatusNoContent, errors: []int{http.StatusNotFound}, owner: artistOwned}, s.authenticate, s.deleteDiscordWebhook)
}

func (s *Server) discordWebhook(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	w, err := s.Store.DiscordWebhook(c.UserContext(), a.ID)
	if models.ErrorCode(err) == models.CodeNotFound {
		return c.JSON(viewDiscordWebhook(nil))
	}
	if err != nil {
		return err
	}
	return c.JSON(viewDiscordWebhook(w))
}

func (s *Server) setDiscordWebhook(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	req, err := decodeJSON[discordWebhookRequest](c)
	if err != nil {
		return err
	}
	hook, err := discord.ParseURL(req.WebhookURL)
	if err != nil {
		return err
	}
	info, err := s.checkWebhook(c, a.ID, hook)
	if de := (*discord.Error)(nil); errors.As(err, &de) {
		switch {
		case de.Permanent:
			return models.FieldError("webhook_url", "Discord does not know this webhook (%d): copy its URL again", de.Status)
		case de.Status == http.StatusTooManyRequests:
			return refused(ratelimit.Decision{RetryAfter: de.RetryAfter})
		}
		return models.Errorf(models.CodeUnavailable, "Discord did not answer: try again later")
	}
	if err != nil {
		return err
	}
	ctx, now := c.UserContext(), s.Auth.Now()
	w := &models.DiscordWebhook{ArtistID: a.ID, WebhookID: hook.ID, Token: hook.Token, ChannelID: info.ChannelID, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.SetDiscordWebhook(ctx, w); err != nil {
		return err
	}
	return c.JSON(viewDiscordWebhook(w))
}

// checkWebhook asks Discord about hook, unless Discord refused it lately
// or the checks' budget is spent: the artist's own (an hour) first, so one
// artist cannot spend everyone's, then everyone's (a minute, shared by
// every api instance). Refusals send nothing to Discord, whose throttling
// of the server's address would stall every artist's announcements.
func (s *Server) checkWebhook(c *fiber.Ctx, artistID uuid.UUID, hook discord.Webhook) (discord.Info, error) {
	if err := s.Discord.Refused(hook); err != nil {
		return discord.Info{}, err
	}
	if err := s.allowIn(c, "discord-check:"+artistID.String(), s.Config.DiscordChecksPerArtist, time.Hour); err != nil {
		return discord.Info{}, err
	}
	if err := s.allowIn(c, "discord-checks", s.Config.DiscordChecksPerMinute, time.Minute); err != nil {
		return discord.Info{}, err
	}
	return s.Discord.Check(c.UserContext(), hook)
}

func (s *Server) deleteDiscordWebhook(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteDiscordWebhook(c.UserContext(), a.ID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
