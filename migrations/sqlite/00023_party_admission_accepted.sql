-- +goose Up
-- Who a party's host accepted: a new invite code ends every other
-- admission, and the RSVPs that came with the old code.
-- No REFERENCES here: SQLite cannot drop a column that has one.
ALTER TABLE party_admissions ADD COLUMN accepted_by text;

-- +goose Down
ALTER TABLE party_admissions DROP COLUMN accepted_by;
