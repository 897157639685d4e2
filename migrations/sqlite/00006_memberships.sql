-- +goose Up
-- Fan clubs with their overrides of the tier catalogue.
CREATE TABLE fan_clubs (
    artist_id         text PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    description       text NOT NULL DEFAULT '',
    welcome_message   text NOT NULL DEFAULT '',
    supporter_cents   integer CHECK (supporter_cents BETWEEN 100 AND 100000),
    superfan_cents    integer CHECK (superfan_cents BETWEEN 100 AND 100000),
    dm_quota          integer CHECK (dm_quota BETWEEN 0 AND 1000),
    exclusive_content text NOT NULL DEFAULT '[]',
    milestones        text NOT NULL DEFAULT '[]',
    updated_at        datetime NOT NULL
);

-- The mirror of each membership workflow, written only by its activities.
CREATE TABLE subscriptions (
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
-- Members lists page by artist, newest supporters first; a fan lists their own.
CREATE INDEX subscriptions_members_idx ON subscriptions (artist_id, member_since DESC, fan_id);
CREATE INDEX subscriptions_fan_idx ON subscriptions (fan_id);

-- The payments ledger: one row per charge attempt, keyed by its idempotency key.
CREATE TABLE payments (
    id                  text PRIMARY KEY,
    idempotency_key     text NOT NULL,
    artist_id           text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id              text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tier                text NOT NULL,
    period              integer NOT NULL,
    period_start        datetime NOT NULL,
    period_end          datetime NOT NULL,
    reason              text NOT NULL CHECK (reason IN ('renewal', 'retry', 'upgrade')),
    amount_cents        integer NOT NULL CHECK (amount_cents >= 0),
    currency            text NOT NULL,
    provider            text NOT NULL,
    provider_payment_id text NOT NULL DEFAULT '',
    status              text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    failure_reason      text NOT NULL DEFAULT '',
    created_at          datetime NOT NULL,
    updated_at          datetime NOT NULL
);
CREATE UNIQUE INDEX payments_key ON payments (idempotency_key);
CREATE INDEX payments_artist_idx ON payments (artist_id, created_at);
CREATE INDEX payments_fan_idx ON payments (fan_id, artist_id, period);

-- A fan's DM allowance per membership period (the monthly quota reset).
CREATE TABLE dm_quota_periods (
    id           text PRIMARY KEY,
    artist_id    text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period_start datetime NOT NULL,
    period_end   datetime NOT NULL,
    quota_limit  integer NOT NULL CHECK (quota_limit >= 0),
    used         integer NOT NULL DEFAULT 0 CHECK (used >= 0),
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL
);
CREATE UNIQUE INDEX dm_quota_periods_key ON dm_quota_periods (artist_id, fan_id, period_start);

CREATE TABLE user_milestones (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id  text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    key        text NOT NULL,
    awarded_at datetime NOT NULL,
    PRIMARY KEY (user_id, artist_id, key)
);

-- The sandbox payment provider's own books: what it charged, and which
-- customers' cards it has been told to decline.
CREATE TABLE sandbox_charges (
    idempotency_key text PRIMARY KEY,
    id              text NOT NULL,
    customer        text NOT NULL,
    amount_cents    integer NOT NULL,
    currency        text NOT NULL,
    status          text NOT NULL,
    failure_reason  text NOT NULL DEFAULT '',
    created_at      datetime NOT NULL
);
CREATE TABLE sandbox_cards (
    customer   text PRIMARY KEY,
    decline    text NOT NULL DEFAULT '',
    updated_at datetime NOT NULL
);

-- +goose Down
DROP TABLE sandbox_cards;
DROP TABLE sandbox_charges;
DROP TABLE user_milestones;
DROP TABLE dm_quota_periods;
DROP TABLE payments;
DROP TABLE subscriptions;
DROP TABLE fan_clubs;
