/**
 * Per-account API keys: `tmk_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of
 * the whole key is stored, compared in constant time. The plaintext exists once, in the
 * response that created it.
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { Scope } from "../query/list.js";
import { apiKeys, type ApiKeyRow } from "../schema.js";
import { updateScoped } from "../query/crud.js";

export type ApiKeyRole = "admin" | "manager" | "user";
const KEY_RE = /^tmk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function createApiKey(
  orm: Orm,
  accountId: string,
  name: string,
  role: ApiKeyRole,
  now: Date,
): Promise<{ row: ApiKeyRow; key: string }> {
  const prefix = randomBytes(8).toString("hex");
  const key = `tmk_${prefix}_${randomBytes(32).toString("base64url")}`;
  const [row] = await orm
    .insert(apiKeys)
    .values({ id: uuidv7(now), accountId, name, prefix, keyHash: hashKey(key), role, createdAt: now })
    .returning();
  return { row: row!, key };
}

/** The active key row for a presented key, or undefined (unknown, malformed, wrong secret, revoked). */
export async function findApiKey(orm: Orm, presented: string, now: Date): Promise<ApiKeyRow | undefined> {
  const m = KEY_RE.exec(presented);
  if (!m) return undefined;
  const row = (await orm.select().from(apiKeys).where(eq(apiKeys.prefix, m[1]!)).limit(1))[0];
  if (!row || row.revokedAt) return undefined;
  const a = Buffer.from(row.keyHash, "hex");
  const b = Buffer.from(hashKey(presented), "hex");
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
  // Record use at most once a minute: a write per request would cost more than the lookup.
  const stale = new Date(now.getTime() - 60_000);
  if (!row.lastUsedAt || row.lastUsedAt < stale) {
    await orm
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
  }
  return row;
}

export function revokeApiKey(orm: Orm, scope: Scope, id: string, now: Date): Promise<ApiKeyRow | undefined> {
  return updateScoped(orm, apiKeys, scope, id, { revokedAt: now }, isNull(apiKeys.revokedAt));
}
