-- +goose Up
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('fan', 'artist', 'admin')),
    display_name  text NOT NULL,
    country       char(2),
    birth_year    integer CHECK (birth_year BETWEEN 1900 AND 2100),
    time_zone     text NOT NULL DEFAULT 'UTC',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- Emails are stored lower-cased by the application.
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE artists (
    id             uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    slug           text NOT NULL,
    name           text NOT NULL,
    bio            text NOT NULL DEFAULT '',
    avatar_url     text NOT NULL DEFAULT '',
    follower_count bigint NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX artists_slug_key ON artists (slug);

CREATE TABLE follows (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id  uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, artist_id)
);
CREATE INDEX follows_artist_idx ON follows (artist_id, created_at);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  uuid NOT NULL,
    token_hash text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE follows;
DROP TABLE artists;
DROP TABLE users;
