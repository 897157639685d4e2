-- +goose Up
-- Listening parties. The playlist is JSON (ordered tracks with their
-- durations); the playback columns belong to the PartyWorkflow, which
-- writes them as the party plays. A private party has an unguessable
-- invite code, shown only to its hosts.
CREATE TABLE parties (
    id               uuid PRIMARY KEY,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    title            text NOT NULL,
    description      text NOT NULL DEFAULT '',
    playlist         text NOT NULL,
    scheduled_at     timestamptz NOT NULL,
    private          boolean NOT NULL DEFAULT false,
    invite_code      text NOT NULL DEFAULT '',
    min_tier         text NOT NULL CHECK (min_tier IN ('follower', 'supporter', 'superfan')),
    capacity         integer NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    status           text NOT NULL CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
    track_index      integer NOT NULL DEFAULT 0,
    position_ms      bigint NOT NULL DEFAULT 0,
    playing          boolean NOT NULL DEFAULT false,
    playback_version bigint NOT NULL DEFAULT 0,
    started_at       timestamptz,
    ended_at         timestamptz,
    cancelled_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (private = (invite_code <> ''))
);
-- The list of upcoming and live parties, soonest first, paged by (scheduled_at, id).
CREATE INDEX parties_list_idx ON parties (status, scheduled_at, id);
CREATE INDEX parties_artist_idx ON parties (artist_id, scheduled_at, id);

-- Co-hosts, added and removed by the artist.
CREATE TABLE party_cohosts (
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (party_id, user_id)
);
CREATE INDEX party_cohosts_user_idx ON party_cohosts (user_id);

-- RSVPs: who wants to be reminded and let in.
CREATE TABLE party_rsvps (
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (party_id, user_id)
);

-- +goose Down
DROP TABLE party_rsvps;
DROP TABLE party_cohosts;
DROP TABLE parties;
