-- +goose Up
-- Addresses SendGrid reported as bouncing, marking us as spam or
-- unsubscribing: they get no more email.
CREATE TABLE suppressions (
    email      text PRIMARY KEY,
    reason     text NOT NULL,
    created_at datetime NOT NULL
);

-- +goose Down
DROP TABLE suppressions;
