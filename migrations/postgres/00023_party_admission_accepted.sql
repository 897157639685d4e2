-- +goose Up
-- Who a party's host accepted: a new invite code ends every other
-- admission, and the RSVPs that came with the old code.
ALTER TABLE party_admissions ADD COLUMN accepted_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE party_admissions DROP COLUMN accepted_by;
