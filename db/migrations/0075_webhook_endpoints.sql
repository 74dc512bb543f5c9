-- Tenants' callback endpoints and the delivery log of the events sent to them.
-- An endpoint's signing secret is sealed with the credentials key ring (db/secret-box.ts): the
-- platform must sign with it, so it is stored recoverable, never in the clear.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  url text NOT NULL,
  description varchar(255),
  event_types text[] NOT NULL,
  secret_key_id varchar(64) NOT NULL,
  secret_ciphertext text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- Why the platform disabled it (the retry period ran out); null when enabled or disabled by the tenant.
  disabled_reason text,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_webhook_endpoints_account ON webhook_endpoints (account_id);

-- One row per (endpoint, event): the unique key is the at-least-once fan-out's dedupe, so an
-- event published twice is delivered to an endpoint once.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id bigserial PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  account_id uuid NOT NULL,
  event_id uuid NOT NULL,
  event_type varchar(64) NOT NULL,
  -- Deliveries of one key go out in id order: a later one waits while an earlier one is pending.
  ordering_key varchar(200) NOT NULL,
  payload jsonb NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  first_attempt_at timestamptz,
  last_status_code integer,
  last_error_code varchar(64),
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);
-- The ordering rule reads the oldest pending delivery of each key in this order.
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_key_pending
  ON webhook_deliveries (endpoint_id, ordering_key, id) INCLUDE (next_attempt_at) WHERE status = 'pending';

-- Every attempt, for the tenant's delivery log: status code, latency and our error code.
CREATE TABLE IF NOT EXISTS webhook_delivery_attempts (
  id bigserial PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  error_code varchar(64)
);
CREATE INDEX IF NOT EXISTS idx_webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, id);
