-- +goose Up
-- The history analytics counts from (docs/analytics.md): the subscriptions
-- mirror holds only the current state and follows only who follows now.
-- The membership activity writes one row per movement in the mirror's own
-- transaction; a follow or unfollow writes one row with the follow.
CREATE TABLE membership_events (
    id           text PRIMARY KEY,
    artist_id    text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    fan_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    move         text NOT NULL CHECK (move IN ('joined', 'upgraded', 'downgraded', 'canceled', 'ended', 'reactivated', 'payment_failed', 'recovered')),
    tier_before  text NOT NULL,
    tier_after   text NOT NULL,
    price_before bigint NOT NULL,
    price_after  bigint NOT NULL,
    at           datetime NOT NULL
);
CREATE INDEX membership_events_artist_idx ON membership_events (artist_id, at);
CREATE INDEX membership_events_fan_idx ON membership_events (artist_id, fan_id, at);

CREATE TABLE follow_events (
    id        text PRIMARY KEY,
    artist_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followed  boolean NOT NULL,
    at        datetime NOT NULL
);
CREATE INDEX follow_events_artist_idx ON follow_events (artist_id, at);

-- Backfill. Follows: those that stand (earlier unfollows left no trace).
INSERT INTO follow_events (id, artist_id, user_id, followed, at)
SELECT lower(hex(randomblob(16))), artist_id, user_id, 1, created_at FROM follows;

-- Memberships, from the payments ledger: a fan's first successful charge
-- is the join, a successful charge at another tier than the one before an
-- upgrade or downgrade (prices are what was charged: an upgrade's prorated
-- charge, not its monthly price), a failed charge a payment failure and a
-- successful retry its recovery; the mirror adds a cancel or an end that
-- stands now. Reactivations before this migration cannot be told from the
-- ledger and count as charges at the same tier (no row).
INSERT INTO membership_events (id, artist_id, fan_id, move, tier_before, tier_after, price_before, price_after, at)
SELECT lower(hex(randomblob(16))), artist_id, fan_id,
       CASE WHEN prev_tier IS NULL THEN 'joined'
            WHEN (CASE tier WHEN 'superfan' THEN 2 WHEN 'supporter' THEN 1 ELSE 0 END) >
                 (CASE prev_tier WHEN 'superfan' THEN 2 WHEN 'supporter' THEN 1 ELSE 0 END) THEN 'upgraded'
            ELSE 'downgraded' END,
       coalesce(prev_tier, ''), tier, coalesce(prev_amount, 0), amount_cents, created_at
FROM (SELECT p.*, lag(tier) OVER w AS prev_tier, lag(amount_cents) OVER w AS prev_amount
      FROM payments p WHERE status = 'succeeded'
      WINDOW w AS (PARTITION BY artist_id, fan_id ORDER BY created_at, id)) s
WHERE prev_tier IS NULL OR prev_tier <> tier;

INSERT INTO membership_events (id, artist_id, fan_id, move, tier_before, tier_after, price_before, price_after, at)
SELECT lower(hex(randomblob(16))), artist_id, fan_id, CASE status WHEN 'failed' THEN 'payment_failed' ELSE 'recovered' END,
       tier, tier, amount_cents, amount_cents, created_at
FROM payments WHERE status = 'failed' OR (status = 'succeeded' AND reason = 'retry');

INSERT INTO membership_events (id, artist_id, fan_id, move, tier_before, tier_after, price_before, price_after, at)
SELECT lower(hex(randomblob(16))), artist_id, fan_id, CASE status WHEN 'canceling' THEN 'canceled' ELSE 'ended' END,
       tier, CASE status WHEN 'canceling' THEN tier ELSE '' END, price_cents, CASE status WHEN 'canceling' THEN price_cents ELSE 0 END, updated_at
FROM subscriptions WHERE status IN ('canceling', 'canceled');

-- +goose Down
DROP TABLE follow_events;
DROP TABLE membership_events;
