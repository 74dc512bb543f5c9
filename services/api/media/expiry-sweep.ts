/**
 * Deletes media objects past their retention: the chunks in the store first, then the row, so a
 * crash in between leaves a row the next round finds again rather than orphaned bytes nobody
 * knows of. Every API replica may run it; two deleting the same object is harmless.
 */

import type { Logger } from "../../../core/logger.js";
import { deleteMediaChunks, type MediaStore } from "../../../core/media/store.js";
import type { Database } from "../../../db/client.js";
import { deleteMediaRow, expiredMedia } from "../../../db/media/media-rows.js";

/** One round: up to `batch` expired objects; answers how many were deleted. */
export async function sweepExpiredMedia(db: Database, store: MediaStore, now: Date, batch = 200): Promise<number> {
  const rows = await expiredMedia(db.orm, now, batch);
  let deleted = 0;
  for (const row of rows) {
    await deleteMediaChunks(store, row.accountId, row.id, row.chunkCount);
    await deleteMediaRow(db.orm, row.id);
    deleted++;
  }
  return deleted;
}

/** Runs the sweep every `intervalMs` until stopped; a failed round is logged and retried next time. */
export function startMediaExpiry(
  db: Database,
  store: MediaStore,
  opts: { intervalMs: number; log: Logger; clock?: () => Date },
): { stop(): void } {
  const clock = opts.clock ?? (() => new Date());
  const timer = setInterval(() => {
    sweepExpiredMedia(db, store, clock()).then(
      (n) => n > 0 && opts.log.info({ deleted: n }, "expired media deleted"),
      (err: unknown) => opts.log.warn({ err }, "media expiry sweep failed"),
    );
  }, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
