/**
 * Unit tests of the SQL stores run on an in-memory PGlite with every migration applied: the
 * statements' shape and their transactions are checked without PostgreSQL or the runtime. The
 * fixtures insert the few rows a store needs with plain SQL, so a test names only what it uses.
 */

import { randomUUID } from "node:crypto";
import { openDatabase, type Database } from "../client.js";
import { uuidv7 } from "../ids.js";
import { runMigrations } from "../migrate.js";

export async function openMigratedEmbedded(): Promise<Database> {
  const db = await openDatabase({});
  await runMigrations(db);
  return db;
}

export async function insertChannel(
  db: Database,
  accountId: string,
  o: { channelType?: string; provider?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await db.withSession((s) =>
    s.query(
      `INSERT INTO channels (id, account_id, name, channel_type, provider, credentials_ciphertext, credentials_key_id, webhook_secret_ciphertext)
       VALUES ($1, $2, $3, $4, $5, 'x', 'k1', 'x')`,
      [id, accountId, `test-${id}`, o.channelType ?? "sms", o.provider ?? "twilio"],
    ),
  );
  return id;
}

/** A queued group message (campaign) on the channel, with an ad-hoc body. */
export async function insertCampaign(db: Database, accountId: string, channelId: string, now: Date): Promise<string> {
  const id = randomUUID();
  await db.withSession((s) =>
    s.query(
      `INSERT INTO group_messages (id, account_id, channel_id, message_body, status, queued_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'hello', 'queued', $4, $4, $4)`,
      [id, accountId, channelId, now],
    ),
  );
  return id;
}

export interface TestMessage {
  id: string;
  createdAt: Date;
}

/** An outbound message row as the dispatcher and receipts find it; only what a test names differs. */
export async function insertMessage(
  db: Database,
  m: {
    accountId: string;
    channelId: string | null;
    status: string;
    createdAt: Date;
    address?: string;
    priority?: number;
    groupMessageId?: string;
    updatedAt?: Date;
    nextAttemptAt?: Date | null;
    providerMessageId?: string;
    attempts?: number;
  },
): Promise<TestMessage> {
  const id = uuidv7(m.createdAt);
  await db.withSession((s) =>
    s.query(
      `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, group_message_id, direction, status, priority,
                             delivery_address, message_body, next_attempt_at, provider_message_id, attempts)
       VALUES ($1, $2, $3, $4, $5, 'sms', $6, 'outbound', $7, $8, $9, 'hello', $10, $11, $12)`,
      [
        id,
        m.createdAt,
        m.updatedAt ?? m.createdAt,
        m.accountId,
        m.channelId,
        m.groupMessageId ?? null,
        m.status,
        m.priority ?? 0,
        m.address ?? "+251911000001",
        m.nextAttemptAt ?? null,
        m.providerMessageId ?? null,
        m.attempts ?? 0,
      ],
    ),
  );
  return { id, createdAt: m.createdAt };
}

export interface StoredEvent {
  message_id: string;
  event_type: string;
  from_status: string | null;
  to_status: string | null;
  event_data: Record<string, unknown>;
  message_created_at: Date;
  provider_timestamp: Date | null;
}

export async function eventsOf(db: Database, messageId: string): Promise<StoredEvent[]> {
  const { rows } = await db.withSession((s) =>
    s.query<StoredEvent>(
      `SELECT message_id, event_type, from_status, to_status, event_data, message_created_at, provider_timestamp
         FROM message_events WHERE message_id = $1 ORDER BY created_at, id`,
      [messageId],
    ),
  );
  return rows;
}

export async function messageRow(db: Database, id: string): Promise<Record<string, unknown>> {
  const { rows } = await db.withSession((s) =>
    s.query<Record<string, unknown>>(`SELECT * FROM messages WHERE id = $1`, [id]),
  );
  return rows[0]!;
}
