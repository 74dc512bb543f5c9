-- Webhook events stored before the receiver answers 200 (WEBHOOK_ACKNOWLEDGE=stored): written in
-- the same statement that claims their replay keys, so one commit makes a request's events
-- durable, and a relay in the API publishes them to the broker and deletes them. A logged table,
-- unlike webhook_dedup: the 200 promises the events survive a crash of the API or the database.
CREATE TABLE IF NOT EXISTS webhook_intake (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
