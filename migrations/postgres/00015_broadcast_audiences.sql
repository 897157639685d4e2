-- +goose Up
-- When a user was last sent a web push, by their inbox or by a broadcast:
-- a broadcast pushes directly only to those not pushed within the hour,
-- and leaves the rest to their inbox's hourly cap (as emailed_at does).
ALTER TABLE users ADD COLUMN pushed_at timestamptz;
-- Broadcast pages walk an artist's followers in user id order.
CREATE INDEX follows_artist_user_idx ON follows (artist_id, user_id);

-- +goose Down
DROP INDEX follows_artist_user_idx;
ALTER TABLE users DROP COLUMN pushed_at;
