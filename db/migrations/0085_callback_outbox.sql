-- Callback events written in the same transaction as the change that caused them (a message's
-- status, an inbound message), so a process that dies between its commit and its publish loses
-- none: the fan-out removes a row once it has recorded the event's deliveries, and the sweep hands
-- the fan-out any row older than CALLBACK_OUTBOX_STALE_MS that is still here. Only events of an
-- account with an enabled endpoint taking their type are written.
CREATE TABLE IF NOT EXISTS callback_outbox (
  event_id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_callback_outbox_created ON callback_outbox (created_at);
