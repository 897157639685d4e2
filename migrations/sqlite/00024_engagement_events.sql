-- +goose Up
-- What fans do, one row per act, append-only (docs/engagement.md): the
-- store writes server-side acts in the act's own transaction. once_key
-- is unique per user: a client's event id (a retried batch counts once)
-- or an act that counts once ("follow:{artist}", "dm_reaction:{message}":
-- unfollowing and following again, or a reaction taken back and made
-- again, earns nothing more).
CREATE TABLE engagement_events (
    id        text PRIMARY KEY,
    user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    action    text NOT NULL,
    amount    bigint NOT NULL CHECK (amount > 0),
    at        datetime NOT NULL,
    once_key  text
);
CREATE INDEX engagement_events_fan_idx ON engagement_events (artist_id, user_id, at);
CREATE INDEX engagement_events_artist_idx ON engagement_events (artist_id, at);
CREATE UNIQUE INDEX engagement_events_once_idx ON engagement_events (user_id, once_key) WHERE once_key IS NOT NULL;

-- +goose Down
DROP TABLE engagement_events;
