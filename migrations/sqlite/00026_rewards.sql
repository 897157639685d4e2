-- +goose Up
-- Rewards (docs/engagement.md, "Rewards"). reward_rules is what each of an
-- artist's fan milestones grants, replaced as a whole; meet_greets the seat
-- pool of a meet & greet, kept across replacements so a seat is never
-- given twice; reward_grants what each fan got, once per fan and rule (a
-- retried grant finds the first). rule_id has no foreign key: a replaced
-- configuration keeps what it granted.
CREATE TABLE reward_rules (
    id            text PRIMARY KEY,
    artist_id     text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    milestone_key text NOT NULL,
    position      integer NOT NULL,
    kind          text NOT NULL,
    title         text NOT NULL,
    content_id    text REFERENCES contents (id) ON DELETE CASCADE,
    percent_off   integer NOT NULL DEFAULT 0,
    valid_days    integer NOT NULL DEFAULT 0,
    seats         integer NOT NULL DEFAULT 0,
    meet_at       datetime,
    created_at    datetime NOT NULL,
    UNIQUE (artist_id, milestone_key, position)
);

CREATE TABLE meet_greets (
    artist_id text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    meet_at   datetime NOT NULL,
    seats     integer NOT NULL,
    taken     integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (artist_id, meet_at)
);

CREATE TABLE reward_grants (
    id            text PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id     text NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    milestone_key text NOT NULL,
    rule_id       text NOT NULL,
    kind          text NOT NULL,
    title         text NOT NULL,
    content_id    text,
    code          text UNIQUE,
    percent_off   integer NOT NULL DEFAULT 0,
    expires_at    datetime,
    redeemed_at   datetime,
    meet_at       datetime,
    party_id      text,
    granted_at    datetime NOT NULL,
    UNIQUE (user_id, rule_id)
);
CREATE INDEX reward_grants_user_idx ON reward_grants (user_id, id);
CREATE INDEX reward_grants_perks_idx ON reward_grants (user_id, artist_id, kind);

-- When the dispatcher last started a milestone's RewardWorkflow: it starts
-- it again only after a while, not at every round.
ALTER TABLE user_milestones ADD COLUMN dispatched_at datetime;

-- +goose Down
ALTER TABLE user_milestones DROP COLUMN dispatched_at;
DROP TABLE reward_grants;
DROP TABLE meet_greets;
DROP TABLE reward_rules;
