-- +goose Up
-- A membership whose first charge the provider is still processing: it
-- exists, and gives nothing until the charge succeeds.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('pending', 'active', 'past_due', 'canceling', 'canceled'));

-- +goose Down
UPDATE subscriptions SET status = 'canceled', next_charge_at = NULL WHERE status = 'pending';
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('active', 'past_due', 'canceling', 'canceled'));
