/**
 * Writes a stored media object to an HTTP response chunk by chunk (backpressure respected). The
 * first chunk is read before any header goes out, so a missing object is still a clean 404.
 */

import type { Response } from "express";
import { notFound } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { MediaNotStoredError, readMediaChunks, type MediaStore } from "../../../core/media/store.js";
import type { MediaRow } from "../../../db/schema.js";

export async function streamMedia(res: Response, store: MediaStore, row: MediaRow, log: Logger): Promise<void> {
  const chunks = readMediaChunks(store, row.accountId, row.id, row.chunkCount);
  const first = await chunks.next().catch((err: unknown) => {
    if (err instanceof MediaNotStoredError) throw notFound("media not found");
    throw err;
  });
  res.status(200);
  res.setHeader("Content-Type", row.contentType);
  res.setHeader("Content-Length", String(row.sizeBytes));
  res.setHeader("X-Content-SHA256", row.sha256);
  res.setHeader(
    "Content-Disposition",
    row.filename ? `attachment; filename*=UTF-8''${encodeURIComponent(row.filename)}` : "attachment",
  );
  res.setHeader("Cache-Control", "private, no-store");
  const write = (b: Buffer) =>
    res.write(b) ? Promise.resolve() : new Promise<void>((r) => res.once("drain", () => r()));
  try {
    if (!first.done) await write(first.value);
    for await (const chunk of chunks) await write(chunk);
    res.end();
  } catch (err) {
    // Headers are out: the only honest signal left is a cut connection.
    log.error({ err, mediaId: row.id }, "media read failed mid-stream");
    res.destroy();
  }
}
