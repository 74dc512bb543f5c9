-- Channel content on every path (issue 14): channel options stored with every send, templates
-- with channel parts, the WhatsApp customer-care window from stored inbound messages, replies.

-- A send's channel options (core/messages/channel-options.ts: e-mail subject and parts, WhatsApp
-- template, Telegram parse mode and buttons, Messenger messaging type and tag). Group and scheduled
-- messages keep them for the messages they create; a message keeps the options it is sent with,
-- rendered parts included. A constant default adds the column without rewriting the partitions.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS channel_options jsonb NOT NULL DEFAULT '{}';
ALTER TABLE group_messages ADD COLUMN IF NOT EXISTS channel_options jsonb NOT NULL DEFAULT '{}';
ALTER TABLE scheduled_messages ADD COLUMN IF NOT EXISTS channel_options jsonb NOT NULL DEFAULT '{}';

-- A reply names the inbound message it answers; the provider's id of that message is kept beside
-- it so the send turn threads the reply (Telegram reply parameters, WhatsApp context, e-mail
-- In-Reply-To) without reading the inbound row again.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS reply_to_message_id uuid;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS reply_to_provider_message_id varchar(255);

-- Templates' channel parts: e-mail {subject, html?, text?} and the WhatsApp mapping {name,
-- language, components: [{type, sub_type?, index?, parameters: [variable names]}]}.
ALTER TABLE templates ADD COLUMN IF NOT EXISTS email_parts jsonb;
ALTER TABLE templates ADD COLUMN IF NOT EXISTS whatsapp_template jsonb;

-- When the sender last wrote on this conversation, written by the inbound consumer only (outbound
-- replies join conversations too, so last_message_at cannot say it). The care-window look-up by
-- (channel_id, participant_from) uses the leading columns of conversations_participants_key.
-- Until now only inbound messages moved last_message_at, so it is the starting value.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS last_inbound_at timestamptz;
UPDATE conversations SET last_inbound_at = last_message_at WHERE last_inbound_at IS NULL AND last_message_at IS NOT NULL;
