-- What a channel whose provider sends no media (SMPP, Africa's Talking, Vonage) does with a
-- message's attachments: 'refuse' (the message fails with media_not_supported, as before) or
-- 'link' (a signed link to each attachment is appended to the text).
ALTER TABLE channels ADD COLUMN IF NOT EXISTS media_fallback varchar(8) NOT NULL DEFAULT 'refuse'
  CHECK (media_fallback IN ('refuse', 'link'));
