-- Campaigns (group messages) and scheduled messages (issue 6).

-- A group message can be paused between queued/processing and resumed (back to queued).
ALTER TABLE group_messages DROP CONSTRAINT IF EXISTS group_messages_status_check;
ALTER TABLE group_messages ADD CONSTRAINT group_messages_status_check
  CHECK (status IN ('draft', 'queued', 'processing', 'paused', 'completed', 'partially_failed', 'failed', 'cancelled'));

-- Progress counters next to the seed's sent/delivered/failed/skipped ones. queued_count is what
-- still waits for a provider (queued or sending); skipped_reasons breaks skipped_count down
-- (duplicate address, no address, missing template variables). failure_reason says why a
-- campaign stopped on its own (e.g. the contact source stayed unreachable).
ALTER TABLE group_messages
  ADD COLUMN queued_count integer NOT NULL DEFAULT 0,
  ADD COLUMN read_count integer NOT NULL DEFAULT 0,
  ADD COLUMN cancelled_count integer NOT NULL DEFAULT 0,
  ADD COLUMN skipped_reasons jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN failure_reason text,
  -- A group message created by a schedule: one per (schedule, trigger time), however often the
  -- trigger fires.
  ADD COLUMN scheduled_message_id uuid,
  ADD COLUMN scheduled_for timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS uq_group_messages_schedule_trigger
  ON group_messages (scheduled_message_id, scheduled_for) WHERE scheduled_message_id IS NOT NULL;
-- The safety sweep's look-up: campaigns that should be running.
CREATE INDEX IF NOT EXISTS idx_group_messages_active ON group_messages (updated_at) WHERE status IN ('queued', 'processing');

-- Optional end of a recurring schedule by count (recurrence_end_at is the end by date).
ALTER TABLE scheduled_messages ADD COLUMN recurrence_max_count integer CHECK (recurrence_max_count > 0);

-- One message per campaign and delivery address. Every message of a campaign carries the same
-- created_at (the campaign's fan-out start), so this index, which must include the partition
-- key, is unique per (campaign, address): a page inserted twice after a crash adds nothing,
-- and an address met twice in the contact list is sent once.
CREATE UNIQUE INDEX IF NOT EXISTS uq_messages_group_address
  ON messages (group_message_id, delivery_address, created_at) WHERE group_message_id IS NOT NULL;
-- One single send per (schedule, trigger time): its created_at is the trigger time.
CREATE UNIQUE INDEX IF NOT EXISTS uq_messages_schedule_trigger
  ON messages (scheduled_message_id, created_at) WHERE scheduled_message_id IS NOT NULL AND group_message_id IS NULL;

-- The fan-out checkpoint of each campaign, written in the same transaction as the page of
-- messages it covers: after a crash the cursor and the rows can never disagree.
CREATE TABLE IF NOT EXISTS campaign_fanout (
  group_message_id uuid PRIMARY KEY REFERENCES group_messages (id) ON DELETE CASCADE,
  -- created_at of every message of the campaign (see uq_messages_group_address).
  messages_created_at timestamptz NOT NULL,
  -- Where the next page starts, as the contact source understands it.
  cursor text,
  pages integer NOT NULL DEFAULT 0,
  contacts_seen integer NOT NULL DEFAULT 0,
  messages_created integer NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false,
  aborted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Counter changes, appended by whoever changes a campaign message (fan-out, dispatcher,
-- receipts, cancel) in the same transaction, and folded into group_messages in batches. Append
-- only: writers never wait on one another for the group message row.
CREATE TABLE IF NOT EXISTS group_message_counter_deltas (
  id bigserial PRIMARY KEY,
  group_message_id uuid NOT NULL,
  queued integer NOT NULL DEFAULT 0,
  sent integer NOT NULL DEFAULT 0,
  delivered integer NOT NULL DEFAULT 0,
  read integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  cancelled integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  skipped_reasons jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_counter_deltas_group ON group_message_counter_deltas (group_message_id, id);

-- What one message contributes to its campaign's counters, by status. `sent` counts every
-- message a provider accepted, including one a receipt later reported failed (it stays sent
-- and is failed too); `delivered` includes read. services/campaign/store/counters-sql.ts
-- recounts with the same rules.
CREATE OR REPLACE FUNCTION campaign_count_status_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO group_message_counter_deltas (group_message_id, queued, sent, delivered, read, failed, cancelled, skipped)
  SELECT n.group_message_id,
         sum((n.status IN ('queued', 'sending'))::int - (o.status IN ('queued', 'sending'))::int),
         sum((n.status IN ('sent', 'delivered', 'read') OR (n.status = 'failed' AND n.sent_at IS NOT NULL))::int
           - (o.status IN ('sent', 'delivered', 'read') OR (o.status = 'failed' AND o.sent_at IS NOT NULL))::int),
         sum((n.status IN ('delivered', 'read'))::int - (o.status IN ('delivered', 'read'))::int),
         sum((n.status = 'read')::int - (o.status = 'read')::int),
         sum((n.status = 'failed')::int - (o.status = 'failed')::int),
         sum((n.status = 'cancelled')::int - (o.status = 'cancelled')::int),
         sum((n.status = 'skipped')::int - (o.status = 'skipped')::int)
    FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.created_at = n.created_at
   WHERE n.group_message_id IS NOT NULL
     AND (n.status IS DISTINCT FROM o.status OR (n.sent_at IS NULL) <> (o.sent_at IS NULL))
   GROUP BY n.group_message_id;
  RETURN NULL;
END $$;

-- Statement level with transition tables: one delta row per campaign per UPDATE statement
-- (the dispatcher updates a whole send batch at once), never one per message.
DROP TRIGGER IF EXISTS trg_messages_campaign_counters ON messages;
CREATE TRIGGER trg_messages_campaign_counters
  AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION campaign_count_status_changes();
