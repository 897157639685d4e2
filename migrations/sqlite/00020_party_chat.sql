-- +goose Up
-- A party's chat: kept for its history pages; a host's delete keeps the
-- row (who deleted it, when) for the moderators and hides it from pages.
CREATE TABLE party_messages (
    id         text PRIMARY KEY,
    party_id   text NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       text NOT NULL,
    created_at datetime NOT NULL,
    deleted_at datetime,
    deleted_by text REFERENCES users (id) ON DELETE SET NULL
);
-- History pages, newest first, paged by (created_at, id).
CREATE INDEX party_messages_page_idx ON party_messages (party_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Slow mode: a fan sends at most one message per this many seconds.
ALTER TABLE parties ADD COLUMN slow_mode_seconds integer NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 300);

-- One moderation queue: a report names a direct message or a party's.
-- SQLite cannot drop a NOT NULL: the table is rebuilt (its columns in
-- PostgreSQL's order).
CREATE TABLE message_reports_new (
    id               text PRIMARY KEY,
    message_id       text REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason           text NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at       datetime NOT NULL,
    party_message_id text REFERENCES party_messages (id) ON DELETE CASCADE,
    CHECK ((message_id IS NULL) <> (party_message_id IS NULL))
);
INSERT INTO message_reports_new (id, message_id, reporter_id, reason, status, created_at)
    SELECT id, message_id, reporter_id, reason, status, created_at FROM message_reports;
DROP TABLE message_reports;
ALTER TABLE message_reports_new RENAME TO message_reports;
CREATE UNIQUE INDEX message_reports_key ON message_reports (message_id, reporter_id);
CREATE UNIQUE INDEX message_reports_party_key ON message_reports (party_message_id, reporter_id) WHERE party_message_id IS NOT NULL;
CREATE INDEX message_reports_open_idx ON message_reports (status, created_at);

-- +goose Down
CREATE TABLE message_reports_old (
    id          text PRIMARY KEY,
    message_id  text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at  datetime NOT NULL
);
INSERT INTO message_reports_old SELECT id, message_id, reporter_id, reason, status, created_at FROM message_reports WHERE message_id IS NOT NULL;
DROP TABLE message_reports;
ALTER TABLE message_reports_old RENAME TO message_reports;
CREATE UNIQUE INDEX message_reports_key ON message_reports (message_id, reporter_id);
CREATE INDEX message_reports_open_idx ON message_reports (status, created_at);
ALTER TABLE parties DROP COLUMN slow_mode_seconds;
DROP TABLE party_messages;
