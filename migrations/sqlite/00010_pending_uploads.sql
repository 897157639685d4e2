-- +goose Up
-- Uploads no message carries yet: summed per user for the pending-upload
-- quota, and swept by age a day after they were made.
CREATE INDEX attachments_pending_user_idx ON attachments (uploader_id) WHERE message_id IS NULL;
CREATE INDEX attachments_pending_age_idx ON attachments (created_at) WHERE message_id IS NULL;

-- +goose Down
DROP INDEX attachments_pending_age_idx;
DROP INDEX attachments_pending_user_idx;
