-- Delivery receipts that arrive before their send is recorded (the message is still queued or
-- sending, or no row has the provider id yet). The status consumer parks them here and
-- acknowledges the broker instead of asking it to redeliver: a broker that hands a subscriber one
-- event at a time would stall every publish behind the retries, and a durable one would
-- dead-letter a receipt that comes more than its retry budget (about half a minute) early.
-- The receipt reconciler claims due rows (FOR UPDATE SKIP LOCKED, so replicas share the work),
-- applies them through the consumer's own path and deletes them once applied, superseded or
-- older than the early window.
CREATE TABLE IF NOT EXISTS parked_receipts (
  id bigserial PRIMARY KEY,
  channel_id uuid NOT NULL,
  -- The whole message.status receipt as the consumer received it (core/webhooks/events.ts).
  event jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  -- When a reconciler may take it next: now when parked; a lease while one works on it, so a
  -- reconciler that dies mid-round leaves the row to another one after the lease.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  parked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_parked_receipts_due ON parked_receipts (next_attempt_at);
