-- A channel's messages, newest first, as the API lists them (always inside the caller's
-- account): read in order from each partition instead of sorted. account_id leads because
-- every API query carries it; the dispatcher's channel lookups keep (channel_id, status).
-- status is carried in the index so "this channel's failed messages" counts without visiting
-- the table.
CREATE INDEX idx_messages_account_channel_created ON messages (account_id, channel_id, created_at DESC) INCLUDE (status);
