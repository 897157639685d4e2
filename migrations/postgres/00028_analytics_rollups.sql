-- +goose Up
-- The dashboard's roll-ups (docs/analytics.md, "Roll-ups"): one row per
-- artist, grain, bucket and metric. Flows (plays, MRR movements, revenue)
-- are the bucket's sums; snap.* metrics are a state at the bucket's end
-- (members, MRR, followers), written on the days it changed and for every
-- month. A bucket is rewritten whole by each run, so a re-run is a no-op.
CREATE TABLE analytics_rollups (
    artist_id uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    grain     text NOT NULL CHECK (grain IN ('day', 'month')),
    bucket    timestamptz NOT NULL,
    metric    text NOT NULL,
    value     bigint NOT NULL,
    PRIMARY KEY (artist_id, grain, bucket, metric)
);
-- A run rewrites one bucket across artists.
CREATE INDEX analytics_rollups_bucket_idx ON analytics_rollups (grain, bucket);
-- The dashboard reads an artist's latest snapshot of a metric.
CREATE INDEX analytics_rollups_metric_idx ON analytics_rollups (artist_id, grain, metric, bucket);

-- A run reads one day of every source across artists.
CREATE INDEX engagement_events_at_idx ON engagement_events (at);
CREATE INDEX membership_events_at_idx ON membership_events (at);
CREATE INDEX follow_events_at_idx ON follow_events (at);
CREATE INDEX payments_created_idx ON payments (created_at);
-- Content performance and the plays of a release's windows.
CREATE INDEX plays_artist_idx ON plays (artist_id, created_at);
CREATE INDEX plays_content_idx ON plays (content_id, created_at);

-- +goose Down
DROP INDEX plays_content_idx;
DROP INDEX plays_artist_idx;
DROP INDEX payments_created_idx;
DROP INDEX follow_events_at_idx;
DROP INDEX membership_events_at_idx;
DROP INDEX engagement_events_at_idx;
DROP TABLE analytics_rollups;
