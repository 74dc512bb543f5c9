-- Conversations become a REST resource a support team works in: a status of pending (waiting on
-- the customer) besides open and closed, an assignee (free text: the tenant's own user id), and an
-- unread count of inbound messages since the last read marker. Outbound messages to a contact join
-- its open conversation on that channel, so a thread shows both directions.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS assignee varchar(255);
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS unread_count integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0);
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS last_read_at timestamptz;
ALTER TABLE conversations DROP CONSTRAINT IF EXISTS conversations_status_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_status_check CHECK (status IN ('open', 'pending', 'closed'));
-- The inbox: an account's conversations by status, newest activity first.
CREATE INDEX IF NOT EXISTS idx_conversations_account_status_last ON conversations (account_id, status, last_message_at DESC);
