-- A provider's own reference to a stored media object, per channel: the WhatsApp media id its
-- upload endpoint answered, or the Telegram file_id the first send by link answered. Later sends
-- of the same object on the same channel pass the reference instead of a link, so a campaign
-- puts the bytes on the provider once, not once per recipient. A reference lives as long as the
-- provider keeps it (WhatsApp: 30 days) and never longer than the object itself; it goes with
-- the object when the expiry sweep deletes it.
CREATE TABLE IF NOT EXISTS provider_media_refs (
  channel_id uuid NOT NULL,
  media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  provider_ref varchar(512) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (channel_id, media_id)
);
CREATE INDEX IF NOT EXISTS idx_provider_media_refs_media ON provider_media_refs (media_id);
