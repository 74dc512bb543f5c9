/**
 * Unit tests of the SQL stores run on an in-memory PGlite with every migration applied: the
 * statements' shape and their transactions are checked without PostgreSQL or the runtime. The
 * fixtures insert the few rows a store needs with plain SQL, so a test names only what it uses.
 */

import { randomUUID } from "node:crypto";
import { openDatabase, type Database } from "../client.js";
import { runMigrations } from "../migrate.js";

export async function openMigratedEmbedded(): Promise<Database> {
  const db = await openDatabase({});
  await runMigrations(db);
  return db;
}

export async function insertChannel(db: Database, accountId: string, o: { channelType?: string; provider?: string } = {}): Promise<string> {
  const id = randomUUID();
  await db.withSession((s) =>
    s.query(
      `INSERT INTO channels (id, account_id, name, channel_type, provider, credentials_ciphertext, credentials_key_id, webhook_secret_ciphertext)
       VALUES ($1, $2, 'test', $3, $4, 'x', 'k1', 'x')`,
      [id, accountId, o.channelType ?? "sms", o.provider ?? "twilio"],
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
