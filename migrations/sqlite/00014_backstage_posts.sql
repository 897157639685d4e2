-- +goose Up
-- The backstage feed: the artist's posts for the tiers with the perk.
CREATE TABLE backstage_posts (
    id         text PRIMARY KEY,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    body       text NOT NULL,
    media_url  text,
    created_at datetime NOT NULL
);
CREATE INDEX backstage_posts_artist_idx ON backstage_posts (artist_id, id);

-- +goose Down
DROP TABLE backstage_posts;
