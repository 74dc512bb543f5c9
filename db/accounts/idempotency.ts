/**
 * Idempotency keys of POST requests: the first answer to a key is stored with a hash of its request
 * body, a retry with the same body replays it, and the same key with another body is a conflict.
 */

import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { conflict } from "../../core/errors.js";
import type { Database, Orm } from "../client.js";
import { idempotencyKeys } from "../schema.js";

export interface IdempotencyClaim {
  accountId: string;
  /** The operation, e.g. "POST /v1/messages": one key may be reused across operations. */
  scope: string;
  key: string;
  requestHash: string;
  now: Date;
  ttlMs: number;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** SHA-256 of a JSON value with object keys sorted, so key order does not make two bodies differ. */
export function requestHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Runs `create` at most once per (account, scope, key) and stores its response in the same
 * transaction as the rows it wrote. A concurrent request with the same key blocks on the
 * unique key until the first commits, then replays its response; if the first fails and rolls
 * back, the second runs instead. The same key with a different body is a 409.
 */
export async function withIdempotency(
  db: Database,
  claim: IdempotencyClaim,
  create: (tx: Orm) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  return db.transaction(async ({ orm: tx }) => {
    const pk = and(
      eq(idempotencyKeys.accountId, claim.accountId),
      eq(idempotencyKeys.scope, claim.scope),
      eq(idempotencyKeys.key, claim.key),
    );
    const expiresAt = new Date(claim.now.getTime() + claim.ttlMs);
    const fresh = { requestHash: claim.requestHash, statusCode: 0, response: {}, createdAt: claim.now, expiresAt };
    const inserted = await tx
      .insert(idempotencyKeys)
      .values({ accountId: claim.accountId, scope: claim.scope, key: claim.key, ...fresh })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length === 0) {
      const existing = (await tx.select().from(idempotencyKeys).where(pk).for("update"))[0]!;
      if (existing.expiresAt > claim.now) {
        if (existing.requestHash !== claim.requestHash) {
          throw conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
          );
        }
        return { status: existing.statusCode, body: existing.response, replayed: true };
      }
      // Expired: the key starts a new life.
      await tx.update(idempotencyKeys).set(fresh).where(pk);
    }
    const result = await create(tx);
    await tx.update(idempotencyKeys).set({ statusCode: result.status, response: result.body }).where(pk);
    return { ...result, replayed: false };
  });
}
