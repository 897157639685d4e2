-- +goose Up
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('fan', 'artist', 'admin')),
    display_name  text NOT NULL,
    country       text,
    birth_year    integer CHECK (birth_year BETWEEN 1900 AND 2100),
    time_zone     text NOT NULL DEFAULT 'UTC',
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE artists (
    id             text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    slug           text NOT NULL,
    name           text NOT NULL,
    bio            text NOT NULL DEFAULT '',
    avatar_url     text NOT NULL DEFAULT '',
    follower_count integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    created_at     datetime NOT NULL,
    updated_at     datetime NOT NULL
);
CREATE UNIQUE INDEX artists_slug_key ON artists (slug);

CREATE TABLE follows (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at datetime NOT NULL,
    PRIMARY KEY (user_id, artist_id)
);
CREATE INDEX follows_artist_idx ON follows (artist_id, created_at);

CREATE TABLE refresh_tokens (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  text NOT NULL,
    token_hash text NOT NULL,
    expires_at datetime NOT NULL,
    used_at    datetime,
    revoked_at datetime,
    created_at datetime NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE follows;
DROP TABLE artists;
DROP TABLE users;
