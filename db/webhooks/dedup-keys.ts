/**
 * The webhook replay keys (webhook_dedup, an unlogged table): claimed in batches by one
 * INSERT … ON CONFLICT, which tells new keys from known ones atomically, released when a publish
 * fails, purged when expired.
 */

import type { Database } from "../client.js";

/** Claims keys until `expiresAt`; an expired key counts as new again. Returns the keys that were new. */
export async function claimDedupKeys(
  db: Database,
  keys: readonly string[],
  expiresAt: Date,
  now: Date,
): Promise<Set<string>> {
  const { rows } = await db.withSession((s) =>
    s.query<{ key: string }>(
      `INSERT INTO webhook_dedup (key, expires_at)
         SELECT k, $2 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE webhook_dedup.expires_at < $3
         RETURNING key`,
      [keys, expiresAt, now],
    ),
  );
  return new Set(rows.map((r) => r.key));
}

export async function releaseDedupKeys(db: Database, keys: readonly string[]): Promise<void> {
  await db.withSession((s) => s.query(`DELETE FROM webhook_dedup WHERE key = ANY($1::text[])`, [keys]));
}

/** Deletes up to `limit` expired keys; returns how many went. */
export async function purgeExpiredDedupKeys(db: Database, limit: number): Promise<number> {
  const { rows } = await db.withSession((s) =>
    s.query<{ n: number }>(
      `WITH gone AS (DELETE FROM webhook_dedup WHERE key IN (SELECT key FROM webhook_dedup WHERE expires_at < now() LIMIT $1) RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
      [limit],
    ),
  );
  return rows[0]?.n ?? 0;
}
