-- +goose Up
-- Questions asked per member and session: the quota is taken with one
-- conditional upsert of this row, so concurrent asks take turns on it
-- (the session's shared lock lets them run side by side).
CREATE TABLE qa_askers (
    session_id uuid NOT NULL REFERENCES qa_sessions (id) ON DELETE CASCADE,
    author_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    asked      integer NOT NULL,
    PRIMARY KEY (session_id, author_id)
);
INSERT INTO qa_askers (session_id, author_id, asked)
    SELECT session_id, author_id, count(*) FROM qa_questions GROUP BY session_id, author_id;

-- +goose Down
DROP TABLE qa_askers;
