-- Messaging data model (seed 004 §4.2, seed 000 §9, seed 002 Part 6, seed 003 conversations).
-- Ids are UUIDv7 minted by the application; timestamps are timestamptz in UTC.

CREATE TABLE channels (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255) NOT NULL,
  channel_type varchar(50) NOT NULL CHECK (channel_type IN ('sms', 'smpp', 'telegram', 'whatsapp', 'messenger', 'email')),
  -- sms has one adapter per HTTP provider; every other type uses 'default'.
  provider varchar(50) NOT NULL DEFAULT 'default',
  status varchar(50) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'draining', 'disabled', 'error')),
  status_reason text,
  is_enabled boolean NOT NULL DEFAULT true,
  -- AES-256-GCM ciphertext of the credentials JSON; the key id names the key that sealed it.
  credentials_ciphertext text NOT NULL,
  credentials_key_id varchar(64) NOT NULL,
  -- Names (never values) of the credential fields, so responses can show what is set.
  credential_fields jsonb NOT NULL DEFAULT '[]',
  webhook_secret_ciphertext text NOT NULL,
  sender_name varchar(255),
  rate_limit integer NOT NULL DEFAULT 60 CHECK (rate_limit > 0),
  burst integer CHECK (burst > 0),
  priority integer NOT NULL DEFAULT 0,
  retry_config jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT channels_account_name_key UNIQUE (account_id, name)
);
CREATE INDEX idx_channels_account_created ON channels (account_id, created_at DESC);

CREATE TABLE templates (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255) NOT NULL,
  body text NOT NULL,
  category varchar(100),
  variables jsonb NOT NULL DEFAULT '[]',
  default_values jsonb NOT NULL DEFAULT '{}',
  fallback_strategy varchar(50) NOT NULL DEFAULT 'keep' CHECK (fallback_strategy IN ('keep', 'use_default', 'skip')),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT templates_account_name_key UNIQUE (account_id, name)
);
CREATE INDEX idx_templates_account_created ON templates (account_id, created_at DESC);

CREATE TABLE contacts (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255),
  email varchar(255),
  phone varchar(32),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_contacts_account_created ON contacts (account_id, created_at DESC);
CREATE INDEX idx_contacts_account_phone ON contacts (account_id, phone);
CREATE INDEX idx_contacts_account_email ON contacts (account_id, email);

CREATE TABLE contact_groups (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255) NOT NULL,
  description text,
  member_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT contact_groups_account_name_key UNIQUE (account_id, name)
);
CREATE INDEX idx_contact_groups_account_created ON contact_groups (account_id, created_at DESC);

CREATE TABLE contact_group_members (
  group_id uuid NOT NULL REFERENCES contact_groups (id) ON DELETE CASCADE,
  contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  account_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX idx_contact_group_members_contact ON contact_group_members (contact_id);

CREATE TABLE group_messages (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255),
  channel_id uuid NOT NULL REFERENCES channels (id),
  template_id uuid REFERENCES templates (id),
  -- Ad-hoc body when no template is used; rendered with the same {VARIABLE} rules.
  message_body text,
  status varchar(50) NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'queued', 'processing', 'completed', 'partially_failed', 'failed', 'cancelled')),
  contact_group_ids jsonb NOT NULL DEFAULT '[]',
  total_recipients integer NOT NULL DEFAULT 0,
  sent_count integer NOT NULL DEFAULT 0,
  delivered_count integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  skipped_count integer NOT NULL DEFAULT 0,
  custom_values jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  queued_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT group_messages_body_or_template CHECK (template_id IS NOT NULL OR message_body IS NOT NULL)
);
CREATE INDEX idx_group_messages_account_created ON group_messages (account_id, created_at DESC);
CREATE INDEX idx_group_messages_account_status ON group_messages (account_id, status);

CREATE TABLE scheduled_messages (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255),
  channel_id uuid NOT NULL REFERENCES channels (id),
  template_id uuid REFERENCES templates (id),
  message_body text,
  send_type varchar(50) NOT NULL CHECK (send_type IN ('single', 'group')),
  status varchar(50) NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'triggered', 'completed', 'failed', 'cancelled', 'paused')),
  -- single sends
  delivery_address varchar(255),
  contact_id uuid,
  -- group sends
  contact_group_ids jsonb NOT NULL DEFAULT '[]',
  custom_values jsonb NOT NULL DEFAULT '{}',
  scheduled_at timestamptz NOT NULL,
  timezone varchar(64) NOT NULL DEFAULT 'UTC',
  is_recurring boolean NOT NULL DEFAULT false,
  recurrence_rule varchar(255),
  recurrence_end_at timestamptz,
  next_trigger_at timestamptz,
  last_triggered_at timestamptz,
  trigger_count integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT scheduled_messages_body_or_template CHECK (template_id IS NOT NULL OR message_body IS NOT NULL),
  CONSTRAINT scheduled_messages_recurrence CHECK (NOT is_recurring OR recurrence_rule IS NOT NULL)
);
CREATE INDEX idx_scheduled_messages_account_created ON scheduled_messages (account_id, created_at DESC);
-- The trigger service's scan: due schedules only.
CREATE INDEX idx_scheduled_messages_due ON scheduled_messages (next_trigger_at) WHERE status = 'pending';

-- Inbound threading (seed 003): one conversation per channel and pair of participants.
CREATE TABLE conversations (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  channel_id uuid NOT NULL REFERENCES channels (id),
  channel_type varchar(50) NOT NULL,
  participant_from varchar(255) NOT NULL,
  participant_to varchar(255) NOT NULL,
  contact_id uuid,
  status varchar(50) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  last_message_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT conversations_participants_key UNIQUE (channel_id, participant_from, participant_to)
);
CREATE INDEX idx_conversations_account_last ON conversations (account_id, last_message_at DESC);

-- Messages: ~30M rows a month at 1M a day, so monthly range partitions on created_at (seed 000 §9).
-- The maintenance routine (db/partitions.ts) creates months ahead and detaches expired ones; rows
-- outside every month land in the default partition instead of failing.
CREATE TABLE messages (
  id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  account_id uuid NOT NULL,
  channel_id uuid REFERENCES channels (id),
  channel_type varchar(50),
  contact_id uuid,
  conversation_id uuid,
  group_message_id uuid REFERENCES group_messages (id),
  scheduled_message_id uuid,
  template_id uuid,
  direction varchar(20) NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound', 'system')),
  status varchar(50) NOT NULL
    CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'cancelled', 'skipped')),
  priority smallint NOT NULL DEFAULT 0,
  delivery_address varchar(255) NOT NULL,
  message_body text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  encoding varchar(10) CHECK (encoding IN ('gsm7', 'ucs2')),
  segments smallint,
  provider_message_id varchar(255),
  error_code varchar(100),
  error_message text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz,
  -- Failover record (seed 003): [{channel_id, error_code, at}] for each channel tried before this one.
  failover jsonb,
  trace_id varchar(64),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE messages_default PARTITION OF messages DEFAULT;

-- Indexes of seed 002 Part 6 (declared on the parent, so every partition gets its own copy).
CREATE INDEX idx_messages_account_created ON messages (account_id, created_at DESC);
CREATE INDEX idx_messages_account_status ON messages (account_id, status, created_at DESC);
CREATE INDEX idx_messages_group_message ON messages (group_message_id) WHERE group_message_id IS NOT NULL;
CREATE INDEX idx_messages_channel_status ON messages (channel_id, status);
-- Delivery receipts carry only the provider's id: this finds the message from (channel, id).
CREATE INDEX idx_messages_provider_msg_id ON messages (channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
-- Messages still waiting for dispatch. Partial indexes stay small (only rows in flight) however
-- large the month gets: the sweep for queued rows whose nudge was lost, and the sweep for rows
-- stuck in `sending`. (The channel's claim order index comes with the dispatch pipeline, 0010.)
CREATE INDEX idx_messages_dispatch_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX idx_messages_sending ON messages (updated_at) WHERE status = 'sending';
CREATE INDEX idx_messages_conversation ON messages (conversation_id, created_at) WHERE conversation_id IS NOT NULL;

-- One row per status change (seed 003 message_events), partitioned like messages so the two
-- age out together. provider_payload_ref points at the stored raw provider payload.
CREATE TABLE message_events (
  id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  message_id uuid NOT NULL,
  message_created_at timestamptz NOT NULL,
  account_id uuid NOT NULL,
  event_type varchar(50) NOT NULL,
  from_status varchar(50),
  to_status varchar(50),
  provider_timestamp timestamptz,
  provider_payload_ref text,
  event_data jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE message_events_default PARTITION OF message_events DEFAULT;
CREATE INDEX idx_message_events_message ON message_events (message_id, created_at);

-- Idempotency-Key records: the first response for (account, operation, key), replayed on retries.
CREATE TABLE idempotency_keys (
  account_id uuid NOT NULL,
  scope varchar(100) NOT NULL,
  key varchar(255) NOT NULL,
  request_hash char(64) NOT NULL,
  status_code integer NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, scope, key)
);
CREATE INDEX idx_idempotency_keys_expires ON idempotency_keys (expires_at);

-- Per-account API keys for server-to-server clients; only a SHA-256 of the key is stored.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  name varchar(255) NOT NULL,
  prefix varchar(32) NOT NULL UNIQUE,
  key_hash char(64) NOT NULL,
  role varchar(20) NOT NULL CHECK (role IN ('admin', 'manager', 'user')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX idx_api_keys_account ON api_keys (account_id, created_at DESC);

-- API rate-limit windows shared by every API replica. Unlogged: losing counters in a crash
-- only forgives one window, and skipping the WAL keeps the per-request upsert cheap.
CREATE UNLOGGED TABLE api_rate_limits (
  bucket varchar(255) NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);
