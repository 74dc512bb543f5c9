/**
 * Media in the simulator, both ways. Inbound: a test puts bytes in the library (POST /_sim/media),
 * names their id in an inbound message, and the provider routes serve them the provider's way
 * (WhatsApp's media URL, Telegram's getFile). Outbound: a send that carries media by link is
 * fetched as the provider would fetch it, and what arrived (size, SHA-256, content type) is kept
 * with the received message, so a test can compare it with what it uploaded. Uploads (WhatsApp's
 * media endpoint, a Telegram file fetched by URL) keep their bytes under the id the provider
 * answered, so later sends that name the id are recorded with the same SHA-256.
 */

import { createHash } from "node:crypto";
import express, { Router } from "express";

/** One media object a send carried, as the simulator fetched it or found it among the uploads. */
export interface ReceivedMedia {
  kind: string;
  /** The link the send carried; absent when it named an uploaded object by `id` instead. */
  url?: string;
  /** The provider's id of an uploaded object (a WhatsApp media id, a Telegram file_id) the send named. */
  id?: string;
  /** An e-mail's inline part: the Content-ID its HTML shows it by (`cid:`). */
  cid?: string;
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

/** An object put on the provider (WhatsApp's media upload, a Telegram file fetched by URL once). */
export interface UploadRecord {
  provider: string;
  id: string;
  sha256: string;
  bytes: number;
  contentType: string;
  at: string;
}

/**
 * Bytes by id: what a test offers for inbound messages, and what was uploaded to the provider
 * (which sends then name by id). Each upload is recorded for GET /_sim/uploads.
 */
export class MediaLibrary {
  private readonly items = new Map<string, LibraryItem>();
  private counter = 0;
  private uploadLog: UploadRecord[] = [];

  /** Keeps bytes the provider received as an upload, and records the upload. */
  upload(provider: string, bytes: Buffer, contentType: string): LibraryItem {
    const item = this.add(bytes, contentType);
    this.uploadLog.push({
      provider,
      id: item.id,
      sha256: item.sha256,
      bytes: bytes.length,
      contentType,
      at: new Date().toISOString(),
    });
    if (this.uploadLog.length > LIBRARY_SIZE) this.uploadLog.shift();
    return item;
  }

  uploads(provider?: string): UploadRecord[] {
    return provider ? this.uploadLog.filter((u) => u.provider === provider) : [...this.uploadLog];
  }

  resetUploads(): void {
    this.uploadLog = [];
  }

  /** What a send naming an uploaded object by id received (an error when the id is unknown). */
  received(kind: string, id: string, extra: { caption?: string | null; filename?: string | null } = {}): ReceivedMedia {
    const item = this.items.get(id);
    if (!item) return { kind, id, ...extra, sha256: null, bytes: null, contentType: null, error: "unknown media id" };
    return { kind, id, ...extra, sha256: item.sha256, bytes: item.bytes.length, contentType: item.contentType };
  }

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
  return (await fetchLinkedBytes(kind, url, extra)).received;
}

/** The same, with the bytes that arrived (none when the fetch failed). */
export async function fetchLinkedBytes(
  kind: string,
  url: string,
  extra: { caption?: string | null; filename?: string | null } = {},
): Promise<{ received: ReceivedMedia; body?: Buffer }> {
  const base = { kind, url, ...extra };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok)
      return { received: { ...base, sha256: null, bytes: null, contentType: null, error: `HTTP ${res.status}` } };
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_MEDIA_BYTES)
      return { received: { ...base, sha256: null, bytes: body.length, contentType: null, error: "too large" } };
    const contentType = res.headers.get("content-type");
    return { received: { ...base, sha256: sha256(body), bytes: body.length, contentType }, body };
  } catch (err) {
    return { received: { ...base, sha256: null, bytes: null, contentType: null, error: (err as Error).message } };
  }
}

/**
 * POST /_sim/media (raw body, its Content-Type kept) → {id, sha256, size}; GET /_sim/media/:id →
 * the bytes; GET /_sim/uploads?provider= → what was uploaded to each provider, oldest first.
 */
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
  router.get("/_sim/uploads", (req, res) => {
    const provider = typeof req.query.provider === "string" ? req.query.provider : undefined;
    res.json({ uploads: library.uploads(provider) });
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
