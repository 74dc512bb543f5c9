-- CSV imports stage their rows here batch by batch, each batch committed on its own, so no
-- transaction (and no pooled connection) stays open while a client uploads; one transaction at
-- the end moves the rows into contacts and the group, all or nothing as before. Unlogged: a crash
-- loses only imports in flight, which their clients repeat. Rows an abandoned import left behind
-- are removed by later imports after a day.
CREATE UNLOGGED TABLE IF NOT EXISTS contact_import_rows (
  import_id uuid NOT NULL,
  id uuid NOT NULL,
  name text,
  email text,
  phone text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (import_id, id)
);
CREATE INDEX IF NOT EXISTS idx_contact_import_rows_created ON contact_import_rows (created_at);
