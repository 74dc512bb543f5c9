-- Webhook receivers, delivery receipts, inbound messages and opt-outs (issue 7; seed 000 §7, seed 003).

-- Replay guard of the webhook receivers: one row per (channel, event) key for a while. A provider
-- retry or a replayed request finds its key and is acknowledged without being published again.
-- Unlogged: after a crash the table starts empty, which can only let a replay through to the
-- consumers, and they are idempotent anyway; in exchange every webhook's insert skips the WAL.
CREATE UNLOGGED TABLE IF NOT EXISTS webhook_dedup (
  key text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_webhook_dedup_expires ON webhook_dedup (expires_at);

-- Who asked not to be messaged (STOP keywords, providers' opt-out signals), per account, channel
-- scope (sms covers SMS and SMPP) and address in the form messages store it. The dispatcher's
-- claim skips queued messages to these addresses; contact_id links the mark to the contact.
CREATE TABLE IF NOT EXISTS contact_opt_outs (
  account_id uuid NOT NULL,
  channel_scope varchar(20) NOT NULL CHECK (channel_scope IN ('sms', 'whatsapp', 'telegram', 'messenger', 'email')),
  address varchar(255) NOT NULL,
  contact_id uuid,
  source varchar(20) NOT NULL CHECK (source IN ('keyword', 'provider', 'api')),
  -- The keyword (STOP …) or the provider's error code that opted the address out.
  reason text,
  channel_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, channel_scope, address)
);
CREATE INDEX IF NOT EXISTS idx_contact_opt_outs_contact ON contact_opt_outs (contact_id) WHERE contact_id IS NOT NULL;

-- An inbound message is stored once per (channel, provider id): its created_at is the time the
-- provider reported, so a redelivered event maps to the same row (the partition key must be part
-- of any unique index on messages).
CREATE UNIQUE INDEX IF NOT EXISTS uq_messages_inbound_provider_id
  ON messages (channel_id, provider_message_id, created_at) WHERE direction = 'inbound';

-- Inbound senders on Telegram and Messenger are found by the ids contacts keep in metadata.
CREATE INDEX IF NOT EXISTS idx_contacts_account_telegram ON contacts (account_id, (metadata->>'telegram_chat_id')) WHERE metadata ? 'telegram_chat_id';
CREATE INDEX IF NOT EXISTS idx_contacts_account_psid ON contacts (account_id, (metadata->>'messenger_psid')) WHERE metadata ? 'messenger_psid';

-- Parts of a long inbound SMS that the provider delivers one webhook per part (Vonage), kept
-- until the last part arrives and the whole text becomes one inbound message.
CREATE TABLE IF NOT EXISTS inbound_message_parts (
  channel_id uuid NOT NULL,
  sender varchar(255) NOT NULL,
  ref varchar(64) NOT NULL,
  part smallint NOT NULL,
  total smallint NOT NULL CHECK (total > 1),
  provider_message_id varchar(255) NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (channel_id, sender, ref, part)
);
CREATE INDEX IF NOT EXISTS idx_inbound_message_parts_received ON inbound_message_parts (received_at);

-- Webhooks registered with providers that have an API for it (Telegram setWebhook). The
-- fingerprint covers the sealed credentials, the webhook secret and the URL: when any of them
-- changes the channel is registered again.
CREATE TABLE IF NOT EXISTS channel_webhook_registrations (
  channel_id uuid PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
  fingerprint char(64) NOT NULL,
  url text NOT NULL,
  status varchar(20) NOT NULL CHECK (status IN ('registered', 'failed')),
  last_error text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
