-- +goose Up
-- A party's chat: kept for its history pages; a host's delete keeps the
-- row (who deleted it, when) for the moderators and hides it from pages.
CREATE TABLE party_messages (
    id         uuid PRIMARY KEY,
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       text NOT NULL,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz,
    deleted_by uuid REFERENCES users (id) ON DELETE SET NULL
);
-- History pages, newest first, paged by (created_at, id).
CREATE INDEX party_messages_page_idx ON party_messages (party_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Slow mode: a fan sends at most one message per this many seconds.
ALTER TABLE parties ADD COLUMN slow_mode_seconds integer NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 300);

-- One moderation queue: a report names a direct message or a party's.
ALTER TABLE message_reports ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE message_reports ADD COLUMN party_message_id uuid REFERENCES party_messages (id) ON DELETE CASCADE;
ALTER TABLE message_reports ADD CONSTRAINT message_reports_one_target CHECK ((message_id IS NULL) <> (party_message_id IS NULL));
CREATE UNIQUE INDEX message_reports_party_key ON message_reports (party_message_id, reporter_id) WHERE party_message_id IS NOT NULL;

-- +goose Down
DELETE FROM message_reports WHERE party_message_id IS NOT NULL;
DROP INDEX message_reports_party_key;
ALTER TABLE message_reports DROP CONSTRAINT message_reports_one_target;
ALTER TABLE message_reports DROP COLUMN party_message_id;
ALTER TABLE message_reports ALTER COLUMN message_id SET NOT NULL;
ALTER TABLE parties DROP COLUMN slow_mode_seconds;
DROP TABLE party_messages;
