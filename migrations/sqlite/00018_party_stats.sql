-- +goose Up
-- A party's stats. The PartyWorkflow writes the listener counts and the
-- listening time when the party ends (from its own roster); chat messages
-- and reactions are counted up as they happen, by their own code, so the
-- workflow's write never touches them.
ALTER TABLE parties ADD COLUMN peak_listeners integer NOT NULL DEFAULT 0;
ALTER TABLE parties ADD COLUMN total_listeners integer NOT NULL DEFAULT 0;
ALTER TABLE parties ADD COLUMN listening_ms integer NOT NULL DEFAULT 0;
ALTER TABLE parties ADD COLUMN chat_messages integer NOT NULL DEFAULT 0;
ALTER TABLE parties ADD COLUMN reactions integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE parties DROP COLUMN reactions;
ALTER TABLE parties DROP COLUMN chat_messages;
ALTER TABLE parties DROP COLUMN listening_ms;
ALTER TABLE parties DROP COLUMN total_listeners;
ALTER TABLE parties DROP COLUMN peak_listeners;
