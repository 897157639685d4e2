-- +goose Up
-- Mail that would have gone to SendGrid when no API key is set (the
-- embedded default): shown at GET /api/dev/outbox, never dropped silently.
CREATE TABLE email_outbox (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_email   text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    categories text NOT NULL DEFAULT '',
    headers    text NOT NULL DEFAULT '{}',
    created_at datetime NOT NULL
);

-- +goose Down
DROP TABLE email_outbox;
