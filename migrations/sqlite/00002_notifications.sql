-- +goose Up
CREATE TABLE notifications (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category     text NOT NULL,
    group_key    text NOT NULL,
    priority     text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    data         text NOT NULL DEFAULT '{}',
    channels     text NOT NULL,
    broadcast_id text,
    created_at   datetime NOT NULL,
    expires_at   datetime,
    read_at      datetime
);
-- The inbox reads newest first per user; the unread badge counts unread rows.
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_expires_idx ON notifications (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE notification_preferences (
    user_id            text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    channels           text NOT NULL DEFAULT '{}',
    digest_minutes     integer NOT NULL DEFAULT 15 CHECK (digest_minutes BETWEEN 0 AND 1440),
    quiet_start        text NOT NULL DEFAULT '',
    quiet_end          text NOT NULL DEFAULT '',
    email_unsubscribed boolean NOT NULL DEFAULT false,
    updated_at         datetime NOT NULL
);

-- +goose Down
DROP TABLE notification_preferences;
DROP TABLE notifications;
