-- Dispatch pipeline (channel actors pull their channel's due messages in priority order).
-- The claim query reads this index: a transactional message (higher priority) is claimed ahead
-- of a campaign backlog on the same channel.
CREATE INDEX IF NOT EXISTS idx_messages_channel_queue
  ON messages (channel_id, priority DESC, created_at)
  WHERE status = 'queued';

-- Per-account quotas (seed 000 §6); an account without a row has no quota.
CREATE TABLE IF NOT EXISTS account_quotas (
  account_id uuid PRIMARY KEY,
  daily_limit integer CHECK (daily_limit > 0),
  monthly_limit integer CHECK (monthly_limit > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
