-- +goose Up
-- A membership whose first charge the provider is still processing: it
-- exists, and gives nothing until the charge succeeds. SQLite cannot
-- change a CHECK constraint: the table is rebuilt.
CREATE TABLE subscriptions_new (
    artist_id      text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workflow_id    text NOT NULL,
    tier           text NOT NULL CHECK (tier IN ('supporter', 'superfan')),
    pending_tier   text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'canceling', 'canceled')),
    member_since   datetime NOT NULL,
    period         integer NOT NULL CHECK (period >= 1),
    period_start   datetime NOT NULL,
    period_end     datetime NOT NULL,
    next_charge_at datetime,
    price_cents    integer NOT NULL,
    currency       text NOT NULL,
    created_at     datetime NOT NULL,
    updated_at     datetime NOT NULL,
    PRIMARY KEY (artist_id, fan_id)
);
INSERT INTO subscriptions_new SELECT * FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_members_idx ON subscriptions (artist_id, member_since DESC, fan_id);
CREATE INDEX subscriptions_fan_idx ON subscriptions (fan_id);

-- +goose Down
UPDATE subscriptions SET status = 'canceled', next_charge_at = NULL WHERE status = 'pending';
CREATE TABLE subscriptions_new (
    artist_id      text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workflow_id    text NOT NULL,
    tier           text NOT NULL CHECK (tier IN ('supporter', 'superfan')),
    pending_tier   text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('active', 'past_due', 'canceling', 'canceled')),
    member_since   datetime NOT NULL,
    period         integer NOT NULL CHECK (period >= 1),
    period_start   datetime NOT NULL,
    period_end     datetime NOT NULL,
    next_charge_at datetime,
    price_cents    integer NOT NULL,
    currency       text NOT NULL,
    created_at     datetime NOT NULL,
    updated_at     datetime NOT NULL,
    PRIMARY KEY (artist_id, fan_id)
);
INSERT INTO subscriptions_new SELECT * FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_members_idx ON subscriptions (artist_id, member_since DESC, fan_id);
CREATE INDEX subscriptions_fan_idx ON subscriptions (fan_id);
