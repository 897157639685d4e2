-- +goose Up
-- Who may be in a listening party's room beyond its public rule, and who
-- was. Seats themselves live in Redis (capacity across api instances).

-- A user who presented a private party's invite code: its room's access
-- rule lets them in without an RSVP (until the party is over).
CREATE TABLE party_admissions (
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (party_id, user_id)
);

-- Bans by a party's hosts. A kick is a ban with an end (until): it keeps
-- the user out for a short while; until NULL lasts until a host lifts it.
CREATE TABLE party_bans (
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    by_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until      timestamptz,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (party_id, user_id)
);

-- One row per stay in a party's room: from the user's first socket in to
-- their last one out (left_at NULL while they are there).
CREATE TABLE party_participants (
    id        uuid PRIMARY KEY,
    party_id  uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL,
    left_at   timestamptz
);
CREATE INDEX party_participants_party_idx ON party_participants (party_id, user_id);
-- At most one open stay per user and party.
CREATE UNIQUE INDEX party_participants_open_idx ON party_participants (party_id, user_id) WHERE left_at IS NULL;

-- +goose Down
DROP TABLE party_participants;
DROP TABLE party_bans;
DROP TABLE party_admissions;
