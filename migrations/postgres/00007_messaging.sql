-- +goose Up
-- A conversation is between an artist and one fan; one per pair.
CREATE TABLE conversations (
    id              uuid PRIMARY KEY,
    artist_id       uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    opened_by       uuid NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX conversations_pair_key ON conversations (artist_id, fan_id);

-- Each side's view of a conversation. The last message is kept on both
-- rows (one UPDATE per send writes both, and lists read one table).
CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pinned          boolean NOT NULL DEFAULT false,
    archived        boolean NOT NULL DEFAULT false,
    muted           boolean NOT NULL DEFAULT false,
    blocked         boolean NOT NULL DEFAULT false,
    last_read_id    uuid,
    last_message_id uuid,
    last_sender_id  uuid,
    last_message_at timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_list_idx ON conversation_members (user_id, archived, pinned, last_message_at);

CREATE TABLE messages (
    id               uuid PRIMARY KEY,
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body             text NOT NULL,
    body_hash        text NOT NULL,
    attachment_count integer NOT NULL DEFAULT 0,
    idempotency_key  text,
    counted          boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);
CREATE UNIQUE INDEX messages_idempotency_key ON messages (conversation_id, sender_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Duplicate detection looks for the same text from the same sender lately.
CREATE INDEX messages_duplicate_idx ON messages (sender_id, body_hash, created_at);

CREATE TABLE message_reactions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE attachments (
    id              uuid PRIMARY KEY,
    uploader_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id      uuid REFERENCES messages (id) ON DELETE SET NULL,
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    content_type    text NOT NULL,
    size_bytes      integer NOT NULL,
    sha256          text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

-- The moderation queue.
CREATE TABLE message_reports (
    id          uuid PRIMARY KEY,
    message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX message_reports_key ON message_reports (message_id, reporter_id);
CREATE INDEX message_reports_open_idx ON message_reports (status, created_at);

-- +goose Down
DROP TABLE message_reports;
DROP TABLE attachments;
DROP TABLE message_reactions;
DROP TABLE messages;
DROP TABLE conversation_members;
DROP TABLE conversations;
