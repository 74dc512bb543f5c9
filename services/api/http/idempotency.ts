/**
 * Idempotency-Key handling for creating POSTs: with a key, the work runs inside the key's
 * transaction and its response is stored with it; a retry gets the stored response back
 * (marked Idempotent-Replayed), the same key with another body a 409. Without a key the work
 * simply runs (its writes are atomic on their own). `fresh` is false for replays so callers
 * publish events only once.
 */

import type { Request } from "express";
import { badRequest } from "../../../core/errors.js";
import type { Orm } from "../../../db/client.js";
import { requestHash, withIdempotency, type StoredResponse } from "../../../db/accounts/idempotency.js";
import type { Ctx } from "../context.js";
import type { Reply } from "./route.js";

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export async function idempotent(
  ctx: Ctx,
  req: Request,
  accountId: string,
  scope: string,
  now: Date,
  work: (tx: Orm) => Promise<StoredResponse>,
): Promise<{ reply: Reply; fresh: boolean }> {
  const key = req.header("idempotency-key");
  if (key === undefined) {
    const r = await work(ctx.db.orm);
    return { reply: { status: r.status, body: r.body }, fresh: true };
  }
  if (!KEY_RE.test(key))
    throw badRequest("validation_error", "Idempotency-Key: 1-255 visible ASCII characters", {
      field: "Idempotency-Key",
    });
  const r = await withIdempotency(
    ctx.db,
    {
      accountId,
      scope,
      key,
      requestHash: requestHash(req.body),
      now,
      ttlMs: ctx.config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    },
    work,
  );
  return {
    reply: { status: r.status, body: r.body, headers: r.replayed ? { "Idempotent-Replayed": "true" } : {} },
    fresh: !r.replayed,
  };
}
