/**
 * Media in the simulator, both ways. Inbound: a test puts bytes in the library (POST /_sim/media),
 * names their id in an inbound message, and the provider routes serve them the provider's way
 * (WhatsApp's media URL, Telegram's getFile). Outbound: a send that carries media by link is
 * fetched as the provider would fetch it, and what arrived (size, SHA-256, content type) is kept
 * with the received message, so a test can compare it with what it uploaded.
 */

import { createHash } from "node:crypto";
import express, { Router } from "express";

/** One media object a send carried, as the simulator fetched it. */
export interface ReceivedMedia {
  kind: string;
  url: string;
  caption?: string | null;
  filename?: string | null;
  /** Of the bytes fetched from `url`; null when the fetch failed (then `error` says why). */
  sha256: string | null;
  bytes: number | null;
  contentType: string | null;
  error?: string;
}

export interface LibraryItem {
  id: string;
  bytes: Buffer;
  contentType: string;
  sha256: string;
}

/** Largest object the simulator fetches or keeps: the largest any provider takes (WhatsApp documents). */
const MAX_MEDIA_BYTES = 100 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
/** Objects kept for inbound tests; the oldest go first. */
const LIBRARY_SIZE = 200;

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Bytes a test offers for inbound messages, by id. */
export class MediaLibrary {
  private readonly items = new Map<string, LibraryItem>();
  private counter = 0;

  add(bytes: Buffer, contentType: string): LibraryItem {
    const id = `simmedia${String(++this.counter).padStart(10, "0")}`;
    const item = { id, bytes, contentType, sha256: sha256(bytes) };
    this.items.set(id, item);
    if (this.items.size > LIBRARY_SIZE) this.items.delete(this.items.keys().next().value!);
    return item;
  }

  get(id: string): LibraryItem | undefined {
    return this.items.get(id);
  }
}

/** Fetches a linked media object as the provider would, and describes what arrived. */
export async function fetchLinked(
  kind: string,
  url: string,
  extra: { caption?: string | null; filename?: string | null } = {},
): Promise<ReceivedMedia> {
  const base = { kind, url, ...extra };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) return { ...base, sha256: null, bytes: null, contentType: null, error: `HTTP ${res.status}` };
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_MEDIA_BYTES)
      return { ...base, sha256: null, bytes: body.length, contentType: null, error: "too large" };
    return { ...base, sha256: sha256(body), bytes: body.length, contentType: res.headers.get("content-type") };
  } catch (err) {
    return { ...base, sha256: null, bytes: null, contentType: null, error: (err as Error).message };
  }
}

/** POST /_sim/media (raw body, its Content-Type kept) → {id, sha256, size}; GET /_sim/media/:id → the bytes. */
export function mediaLibraryRoutes(library: MediaLibrary): Router {
  const router = Router();
  router.post("/_sim/media", express.raw({ type: () => true, limit: MAX_MEDIA_BYTES }), (req, res) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (bytes.length === 0) {
      res.status(400).json({ detail: "send the bytes as the body", code: "media_empty" });
      return;
    }
    const item = library.add(bytes, req.headers["content-type"] ?? "application/octet-stream");
    res.status(201).json({ id: item.id, sha256: item.sha256, size: bytes.length });
  });
  router.get("/_sim/media/:id", (req, res) => {
    const item = library.get(String(req.params.id));
    if (!item) {
      res.status(404).json({ detail: "no such media", code: "not_found" });
      return;
    }
    serveItem(res, item);
  });
  return router;
}

export function serveItem(res: express.Response, item: LibraryItem): void {
  res.setHeader("content-type", item.contentType);
  res.setHeader("content-length", String(item.bytes.length));
  res.end(item.bytes);
}

/** The simulator's own origin as the caller reached it: where the URLs it hands out point. */
export function originOf(req: express.Request): string {
  return `${req.protocol}://${req.get("host") ?? "127.0.0.1"}`;
}
