-- +goose Up
-- A closed club takes no new members and runs no Q&A schedule.
ALTER TABLE fan_clubs ADD COLUMN closed_at timestamptz;

-- The monthly Q&A: one session per artist and month, so the schedule's
-- run, its retries and a manual open of the same month meet on one row.
CREATE TABLE qa_sessions (
    id        uuid PRIMARY KEY,
    artist_id uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    month     text NOT NULL,
    status    text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at timestamptz NOT NULL,
    closed_at timestamptz
);
CREATE UNIQUE INDEX qa_sessions_month_key ON qa_sessions (artist_id, month);
CREATE INDEX qa_sessions_artist_idx ON qa_sessions (artist_id, id);

-- votes is the count of qa_votes rows, kept in the same transaction.
-- notified_at: the asker was told of the close (one notification per asker).
CREATE TABLE qa_questions (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES qa_sessions (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body        text NOT NULL,
    votes       integer NOT NULL DEFAULT 0,
    answer      text,
    answered_at timestamptz,
    notified_at timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX qa_questions_session_idx ON qa_questions (session_id, votes, id);
CREATE INDEX qa_questions_author_idx ON qa_questions (session_id, author_id);

-- One vote per member and question.
CREATE TABLE qa_votes (
    question_id uuid NOT NULL REFERENCES qa_questions (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

-- +goose Down
DROP TABLE qa_votes;
DROP TABLE qa_questions;
DROP TABLE qa_sessions;
ALTER TABLE fan_clubs DROP COLUMN closed_at;
