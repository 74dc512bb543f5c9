-- Media objects (images, documents, audio, video) uploaded through POST /v1/media or fetched from
-- a provider for an inbound message. The bytes live in the media store (a Dapr output binding:
-- a local folder or an S3-compatible bucket) as chunks `<account_id>/<id>/<n>`; this row is what
-- the API answers from and what the expiry sweep deletes by.
CREATE TABLE IF NOT EXISTS media (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  -- Sniffed from the bytes, never taken from the client.
  content_type varchar(127) NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256 char(64) NOT NULL,
  -- How many store objects hold the bytes (each at most the chunk size the writer used).
  chunk_count integer NOT NULL CHECK (chunk_count >= 0),
  chunk_bytes integer NOT NULL CHECK (chunk_bytes > 0),
  filename varchar(255),
  -- 'upload' (POST /v1/media) or 'inbound' (fetched from a provider).
  source varchar(16) NOT NULL DEFAULT 'upload',
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_media_account ON media (account_id, created_at);
CREATE INDEX IF NOT EXISTS idx_media_expires ON media (expires_at);
