-- +goose Up
-- An artist's tracks, posts and videos. Media is an uploaded blob (its
-- unguessable key, sniffed type and size) or an external https URL.
CREATE TABLE contents (
    id               text PRIMARY KEY,
    artist_id        text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('track', 'post', 'video')),
    title            text NOT NULL,
    body             text NOT NULL DEFAULT '',
    duration_seconds integer NOT NULL DEFAULT 0 CHECK (duration_seconds BETWEEN 0 AND 86400),
    media_key        text NOT NULL DEFAULT '',
    media_type       text NOT NULL DEFAULT '',
    media_size       integer NOT NULL DEFAULT 0,
    media_url        text NOT NULL DEFAULT '',
    min_tier         text NOT NULL CHECK (min_tier IN ('follower', 'supporter', 'superfan')),
    public_at        datetime,
    created_at       datetime NOT NULL,
    updated_at       datetime NOT NULL,
    deleted_at       datetime,
    CHECK (media_key = '' OR media_url = '')
);
-- The artist's list, newest first, paged by (created_at, id).
CREATE INDEX contents_artist_list_idx ON contents (artist_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Play reports; seconds_listened is capped when stored.
CREATE TABLE plays (
    id               text PRIMARY KEY,
    content_id       text NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    artist_id        text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position_seconds integer NOT NULL CHECK (position_seconds >= 0),
    seconds_listened integer NOT NULL CHECK (seconds_listened >= 0),
    created_at       datetime NOT NULL
);
-- A user's last report of an item (the cap), and their seconds per artist.
CREATE INDEX plays_user_content_idx ON plays (user_id, content_id, created_at);
CREATE INDEX plays_user_artist_idx ON plays (user_id, artist_id, created_at);

-- Each club's exclusive_content entry becomes a track for its tier, with
-- a uuid v7 id (the time of the migration, the rest random).
INSERT INTO contents (id, artist_id, kind, title, media_url, min_tier, created_at, updated_at)
SELECT substr(ts, 1, 8) || '-' || substr(ts, 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2) || '-' ||
       substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
       c.artist_id, 'track', substr(json_extract(e.value, '$.title'), 1, 200), coalesce(json_extract(e.value, '$.url'), ''),
       coalesce(json_extract(e.value, '$.min_tier'), 'supporter'), c.updated_at, c.updated_at
FROM fan_clubs c, json_each(c.exclusive_content) AS e,
     (SELECT printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) AS ts);

ALTER TABLE fan_clubs DROP COLUMN exclusive_content;

-- +goose Down
ALTER TABLE fan_clubs ADD COLUMN exclusive_content text NOT NULL DEFAULT '[]';
UPDATE fan_clubs SET exclusive_content = (
    SELECT coalesce(json_group_array(json_patch(json_object('title', t.title, 'min_tier', t.min_tier),
                    CASE WHEN t.media_url = '' THEN '{}' ELSE json_object('url', t.media_url) END)), '[]')
    FROM contents t WHERE t.artist_id = fan_clubs.artist_id AND t.deleted_at IS NULL AND t.min_tier <> 'follower');
DROP TABLE plays;
DROP TABLE contents;
