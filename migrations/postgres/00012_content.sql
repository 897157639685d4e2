-- +goose Up
-- An artist's tracks, posts and videos. Media is an uploaded blob (its
-- unguessable key, sniffed type and size) or an external https URL.
CREATE TABLE contents (
    id               uuid PRIMARY KEY,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('track', 'post', 'video')),
    title            text NOT NULL,
    body             text NOT NULL DEFAULT '',
    duration_seconds integer NOT NULL DEFAULT 0 CHECK (duration_seconds BETWEEN 0 AND 86400),
    media_key        text NOT NULL DEFAULT '',
    media_type       text NOT NULL DEFAULT '',
    media_size       bigint NOT NULL DEFAULT 0,
    media_url        text NOT NULL DEFAULT '',
    min_tier         text NOT NULL CHECK (min_tier IN ('follower', 'supporter', 'superfan')),
    public_at        timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz,
    CHECK (media_key = '' OR media_url = '')
);
-- The artist's list, newest first, paged by (created_at, id).
CREATE INDEX contents_artist_list_idx ON contents (artist_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Play reports; seconds_listened is capped when stored.
CREATE TABLE plays (
    id               uuid PRIMARY KEY,
    content_id       uuid NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position_seconds integer NOT NULL CHECK (position_seconds >= 0),
    seconds_listened integer NOT NULL CHECK (seconds_listened >= 0),
    created_at       timestamptz NOT NULL
);
-- A user's last report of an item (the cap), and their seconds per artist.
CREATE INDEX plays_user_content_idx ON plays (user_id, content_id, created_at);
CREATE INDEX plays_user_artist_idx ON plays (user_id, artist_id, created_at);

-- Each club's exclusive_content entry becomes a track for its tier, with
-- a uuid v7 id (the time of the migration, the rest random).
INSERT INTO contents (id, artist_id, kind, title, media_url, min_tier, created_at, updated_at)
SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
           substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
       c.artist_id, 'track', left(e->>'title', 200), coalesce(e->>'url', ''), coalesce(e->>'min_tier', 'supporter'), c.updated_at, c.updated_at
FROM fan_clubs c, jsonb_array_elements(c.exclusive_content::jsonb) AS e;

ALTER TABLE fan_clubs DROP COLUMN exclusive_content;

-- +goose Down
ALTER TABLE fan_clubs ADD COLUMN exclusive_content text NOT NULL DEFAULT '[]';
UPDATE fan_clubs c SET exclusive_content = (
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('title', t.title, 'url', nullif(t.media_url, ''), 'min_tier', t.min_tier))
                    ORDER BY t.created_at, t.id), '[]'::jsonb)::text
    FROM contents t WHERE t.artist_id = c.artist_id AND t.deleted_at IS NULL AND t.min_tier <> 'follower');
DROP TABLE plays;
DROP TABLE contents;
