-- +goose Up
-- When a user was last emailed, by their inbox or by a broadcast: a
-- broadcast mails directly only those not emailed within the hour, and
-- leaves the rest to their inbox's hourly cap.
ALTER TABLE users ADD COLUMN emailed_at datetime;

-- +goose Down
ALTER TABLE users DROP COLUMN emailed_at;
