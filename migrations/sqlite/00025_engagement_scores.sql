-- +goose Up
-- Scores, totals and milestones folded from engagement_events in the act's
-- own transaction (docs/engagement.md). One row per fan × artist × period:
-- period 'all' holds decayed sums, d_x = Σ amount · 2^((at − epoch)/H), and
-- 'w2026-12-07' (the week from that Monday) and 'm2026-12' plain sums, so a
-- leaderboard of any period is one index range. score is Σ weight · d_x
-- with the artist's weights when the row was last written (a weights
-- change rewrites the artist's rows); streamed is seconds of play,
-- progress and listening, which the minute milestones count; events the
-- events folded in (a row is new when it holds only the fold's own).
CREATE TABLE engagement_scores (
    artist_id     text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period        text NOT NULL,
    d_play        real NOT NULL DEFAULT 0,
    d_progress    real NOT NULL DEFAULT 0,
    d_listen      real NOT NULL DEFAULT 0,
    d_chat        real NOT NULL DEFAULT 0,
    d_reaction    real NOT NULL DEFAULT 0,
    d_dm          real NOT NULL DEFAULT 0,
    d_dm_reaction real NOT NULL DEFAULT 0,
    d_follow      real NOT NULL DEFAULT 0,
    d_question    real NOT NULL DEFAULT 0,
    d_share       real NOT NULL DEFAULT 0,
    score         real NOT NULL DEFAULT 0,
    streamed      bigint NOT NULL DEFAULT 0,
    events        bigint NOT NULL DEFAULT 0,
    updated_at    datetime NOT NULL,
    PRIMARY KEY (artist_id, period, user_id)
);
CREATE INDEX engagement_scores_rank_idx ON engagement_scores (artist_id, period, score DESC, user_id);

-- How many fans have a row of each period: a standing's percentile without
-- counting them.
CREATE TABLE engagement_boards (
    artist_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    period    text NOT NULL,
    fans      bigint NOT NULL,
    PRIMARY KEY (artist_id, period)
);

-- An artist's tuning; no row means the documented defaults.
CREATE TABLE engagement_settings (
    artist_id      text PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    weights        text NOT NULL,
    half_life_days integer NOT NULL CHECK (half_life_days BETWEEN 7 AND 365),
    updated_at     datetime NOT NULL
);

-- Milestones of the artist's own (followers, streaming minutes, club goals),
-- each reached once; delivered_at is set once fans and artist are told.
CREATE TABLE artist_milestones (
    artist_id    text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    key          text NOT NULL,
    reached_at   datetime NOT NULL,
    delivered_at datetime,
    PRIMARY KEY (artist_id, key)
);
CREATE INDEX artist_milestones_undelivered_idx ON artist_milestones (reached_at) WHERE delivered_at IS NULL;

-- A fan's milestones are delivered (rewards granted, both sides told) after
-- the row is written: the row is the outbox. Those before this migration
-- were told when awarded.
ALTER TABLE user_milestones ADD COLUMN delivered_at datetime;
UPDATE user_milestones SET delivered_at = awarded_at;
CREATE INDEX user_milestones_undelivered_idx ON user_milestones (awarded_at) WHERE delivered_at IS NULL;

ALTER TABLE artists ADD COLUMN streamed_seconds bigint NOT NULL DEFAULT 0;
UPDATE artists SET streamed_seconds = coalesce((SELECT sum(amount) FROM engagement_events e
    WHERE e.artist_id = artists.id AND e.action IN ('play', 'progress', 'listen')), 0);

ALTER TABLE users ADD COLUMN leaderboard_hidden boolean NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN leaderboard_hidden;
ALTER TABLE artists DROP COLUMN streamed_seconds;
DROP INDEX user_milestones_undelivered_idx;
ALTER TABLE user_milestones DROP COLUMN delivered_at;
DROP TABLE artist_milestones;
DROP TABLE engagement_settings;
DROP TABLE engagement_boards;
DROP TABLE engagement_scores;
