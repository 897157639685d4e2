-- +goose Up
-- An artist's Discord webhook, where "party is live" announcements go.
-- The token is a secret: only the id and the channel are ever shown.
CREATE TABLE discord_webhooks (
    artist_id  uuid PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    webhook_id text NOT NULL,
    token      text NOT NULL,
    channel_id text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Announcements claimed by their key before they are posted (the claim is
-- taken back when the post fails), so an activity retry posts once.
CREATE TABLE discord_posts (
    key        text PRIMARY KEY,
    artist_id  uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE discord_posts;
DROP TABLE discord_webhooks;
