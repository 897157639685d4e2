-- +goose Up
-- Live sessions: an artist's stream for the tiers with the perk. The
-- server stores the stream's URL and never fetches it. One running
-- session per artist (the partial unique index).
CREATE TABLE live_sessions (
    id         text PRIMARY KEY,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    title      text NOT NULL,
    stream_url text NOT NULL,
    embed_url  text,
    started_at datetime NOT NULL,
    ended_at   datetime
);
CREATE UNIQUE INDEX live_sessions_running_idx ON live_sessions (artist_id) WHERE ended_at IS NULL;

-- +goose Down
DROP TABLE live_sessions;
