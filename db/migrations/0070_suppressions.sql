-- Suppressions: the one table of addresses that must not be messaged (contact_opt_outs) becomes a
-- REST resource. Opt-out keywords, providers' opt-out signals and permanent bounces keep writing it
-- as before; an account may now add and remove rows by hand (source 'manual') or record spam
-- complaints (source 'complaint'), and a row may hold for every channel type of the account
-- (channel_scope 'all', for a phone number or an e-mail address). The dispatch claim and the
-- campaign fan-out read the row of the channel's scope and the account-wide one.

-- A row needs an id of its own to be addressed by the API (DELETE /v1/suppressions/{id}); the
-- primary key stays (account, scope, address), which is what every writer and reader probes.
ALTER TABLE contact_opt_outs ADD COLUMN IF NOT EXISTS id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX IF NOT EXISTS uq_contact_opt_outs_id ON contact_opt_outs (id);
-- The list's default order (newest first) within an account.
CREATE INDEX IF NOT EXISTS idx_contact_opt_outs_account_created ON contact_opt_outs (account_id, created_at, id);

ALTER TABLE contact_opt_outs DROP CONSTRAINT IF EXISTS contact_opt_outs_channel_scope_check;
ALTER TABLE contact_opt_outs
  ADD CONSTRAINT contact_opt_outs_channel_scope_check
  CHECK (channel_scope IN ('all', 'sms', 'whatsapp', 'telegram', 'messenger', 'email'));
ALTER TABLE contact_opt_outs DROP CONSTRAINT IF EXISTS contact_opt_outs_source_check;
ALTER TABLE contact_opt_outs
  ADD CONSTRAINT contact_opt_outs_source_check
  CHECK (source IN ('keyword', 'provider', 'api', 'bounce', 'complaint', 'manual'));

-- A suppression CSV import stages its rows here batch by batch (no transaction waits on the
-- upload), then one transaction adds them; unlogged, as contact_import_rows, for the same reasons.
CREATE UNLOGGED TABLE IF NOT EXISTS suppression_import_rows (
  import_id uuid NOT NULL,
  line integer NOT NULL,
  channel_scope varchar(20) NOT NULL,
  address varchar(255) NOT NULL,
  source varchar(20) NOT NULL,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (import_id, line)
);
CREATE INDEX IF NOT EXISTS idx_suppression_import_rows_created ON suppression_import_rows (created_at);
