-- Quotas per channel type, enforced when a send is accepted (POST /v1/messages, a campaign queued):
-- a request that would take the day's or the month's count past its limit is refused before any
-- row is written. The counters live on the quota's own row, so one conditional UPDATE both checks
-- and reserves, and concurrent requests queue on the row lock instead of overshooting. Periods are
-- UTC calendar days and months; a counter whose period has passed counts from zero. The
-- account-wide quota of account_quotas, counted by the dispatcher at send time, is separate.
CREATE TABLE IF NOT EXISTS account_channel_quotas (
  account_id uuid NOT NULL,
  channel_type varchar(20) NOT NULL CHECK (channel_type IN ('sms', 'smpp', 'whatsapp', 'telegram', 'messenger', 'email')),
  daily_limit bigint CHECK (daily_limit >= 0),
  monthly_limit bigint CHECK (monthly_limit >= 0),
  day_start date NOT NULL,
  day_used bigint NOT NULL DEFAULT 0,
  month_start date NOT NULL,
  month_used bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, channel_type)
);
