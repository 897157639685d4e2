-- +goose Up
-- One row per announcement an artist sent: the daily limit counts them
-- here, so it holds across api instances.
CREATE TABLE announcements (
    id         text PRIMARY KEY,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at datetime NOT NULL
);
CREATE INDEX announcements_artist_time_idx ON announcements (artist_id, created_at);

-- +goose Down
DROP TABLE announcements;
