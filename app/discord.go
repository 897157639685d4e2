package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/discord"
)

// discordClient is the one Discord client of the process: the api checks
// webhooks and the activities post with it, so they share its rate-limit
// buckets.
func (p *Platform) discordClient() *discord.Client {
	if p.discord == nil {
		p.discord = discord.New(discord.Config{Base: p.Config.DiscordAPIBase, Secret: p.Config.DiscordSigningSecret, Allow: p.Config.DiscordDialAllow})
	}
	return p.discord
}

// partyDiscord is the announcer as activities.Discord: an announcement's
// embed links to its share page.
type partyDiscord struct{ *discord.Announcer }

func (d partyDiscord) Announce(ctx context.Context, artistID uuid.UUID, m activities.DiscordMessage) error {
	return d.Announcer.Announce(ctx, artistID, m.Key, discord.Message{Content: m.Content, Title: "Join the party", URL: m.URL})
}
