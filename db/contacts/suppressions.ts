/**
 * Suppressions as the REST layer manages them: add one, and the streamed CSV import that stages
 * rows batch by batch and adds them in one transaction. They are the rows of contact_opt_outs the
 * pipeline writes too (opt-out keywords, providers' signals, bounces) and reads at the dispatch
 * claim and the campaign fan-out, so one table answers "may this address be messaged".
 */

import { randomUUID } from "node:crypto";
import type { SuppressionScope, SuppressionSource } from "../../core/messages/suppressions.js";
import type { Database } from "../client.js";
import type { SuppressionRow } from "../schema.js";

export interface NewSuppression {
  scope: SuppressionScope;
  /** In the scope's stored form (core/messages/suppressions.ts suppressionAddress). */
  address: string;
  source: SuppressionSource;
  reason: string | null;
  channelId?: string | null;
}

interface RawRow {
  id: string;
  account_id: string;
  channel_scope: string;
  address: string;
  contact_id: string | null;
  source: string;
  reason: string | null;
  channel_id: string | null;
  created_at: Date | string;
}

const COLUMNS = "id, account_id, channel_scope, address, contact_id, source, reason, channel_id, created_at";

function toRow(r: RawRow): SuppressionRow {
  return {
    id: r.id,
    accountId: r.account_id,
    channelScope: r.channel_scope,
    address: r.address,
    contactId: r.contact_id,
    source: r.source,
    reason: r.reason,
    channelId: r.channel_id,
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  };
}

/**
 * Adds a suppression, linked to the account's contact with that phone number or e-mail address
 * when there is one. An address already suppressed on that scope keeps its first row (and reason):
 * `created` says which happened.
 */
export async function addSuppression(
  db: Database,
  accountId: string,
  s: NewSuppression,
  now: Date,
): Promise<{ row: SuppressionRow; created: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query<RawRow>(
      `INSERT INTO contact_opt_outs (account_id, channel_scope, address, contact_id, source, reason, channel_id, created_at)
       VALUES ($1, $2, $3::text,
               (SELECT id FROM contacts WHERE account_id = $1
                  AND ((left($3::text, 1) = '+' AND phone = $3::text) OR (position('@' in $3::text) > 0 AND lower(email) = $3::text))
                ORDER BY created_at LIMIT 1),
               $4, $5, $6, $7)
       ON CONFLICT (account_id, channel_scope, address) DO NOTHING
       RETURNING ${COLUMNS}`,
      [accountId, s.scope, s.address, s.source, s.reason, s.channelId ?? null, now],
    );
    if (inserted.rows[0]) return { row: toRow(inserted.rows[0]), created: true };
    const existing = await tx.query<RawRow>(
      `SELECT ${COLUMNS} FROM contact_opt_outs WHERE account_id = $1 AND channel_scope = $2 AND address = $3`,
      [accountId, s.scope, s.address],
    );
    return { row: toRow(existing.rows[0]!), created: false };
  });
}

/** Staged rows older than this belong to an import that died; the next import removes them. */
const STALE_STAGING_MS = 24 * 3_600_000;

/**
 * Streams suppressions into the account without holding a transaction while the client uploads:
 * each batch is staged in suppression_import_rows in a statement of its own, then one statement
 * adds the staged rows (an address twice in the file counts once; one already suppressed keeps its
 * row). A file that breaks half way leaves nothing behind. Memory holds one batch.
 */
export async function importSuppressions(
  db: Database,
  accountId: string,
  batches: AsyncIterable<NewSuppression[]>,
  now: Date,
): Promise<{ added: number; alreadySuppressed: number }> {
  const importId = randomUUID();
  let line = 0;
  try {
    await db.withSession((s) =>
      s.query(`DELETE FROM suppression_import_rows WHERE created_at < $1`, [
        new Date(now.getTime() - STALE_STAGING_MS),
      ]),
    );
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      const first = line;
      line += batch.length;
      // One statement per batch with column arrays: a handful of parameters instead of thousands.
      await db.withSession((s) =>
        s.query(
          `INSERT INTO suppression_import_rows (import_id, line, channel_scope, address, source, reason, created_at)
           SELECT $1, $2 + u.n, u.scope, u.address, u.source, u.reason, $3
             FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(scope, address, source, reason, n)`,
          [
            importId,
            first,
            now,
            batch.map((b) => b.scope),
            batch.map((b) => b.address),
            batch.map((b) => b.source),
            batch.map((b) => b.reason),
          ],
        ),
      );
    }
    return await db.transaction(async (tx) => {
      const distinct = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT DISTINCT channel_scope, address FROM suppression_import_rows WHERE import_id = $1) d`,
        [importId],
      );
      const added = await tx.query<{ n: number }>(
        `WITH ins AS (
           INSERT INTO contact_opt_outs (account_id, channel_scope, address, source, reason, created_at)
           SELECT DISTINCT ON (channel_scope, address) $2::uuid, channel_scope, address, source, reason, $3::timestamptz
             FROM suppression_import_rows WHERE import_id = $1
            ORDER BY channel_scope, address, line
           ON CONFLICT (account_id, channel_scope, address) DO NOTHING
           RETURNING 1)
         SELECT count(*)::int AS n FROM ins`,
        [importId, accountId, now],
      );
      await tx.query(`DELETE FROM suppression_import_rows WHERE import_id = $1`, [importId]);
      const n = Number(added.rows[0]?.n ?? 0);
      return { added: n, alreadySuppressed: Number(distinct.rows[0]?.n ?? 0) - n };
    });
  } catch (err) {
    await db
      .withSession((s) => s.query(`DELETE FROM suppression_import_rows WHERE import_id = $1`, [importId]))
      .catch(() => undefined);
    throw err;
  }
}
