/**
 * Writes an incoming byte stream to the media store: re-cut into store-sized chunks, the content
 * type sniffed from the first bytes and checked (allow-list, the channel type's limit) before the
 * first chunk is written, SHA-256 and size counted on the way. A stream that turns out larger than
 * allowed is cut off and whatever was written of it deleted, so a refused upload leaves nothing.
 */

import { createHash } from "node:crypto";
import { AppError } from "../../core/errors.js";
import { mediaKindOf, mediaLimit } from "../../core/media/limits.js";
import { deleteMediaChunks, MEDIA_CHUNK_BYTES, mediaChunkKey, type MediaStore } from "../../core/media/store.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { MEDIA_CONTENT_TYPES, sniffContentType, SNIFF_BYTES } from "./sniff.js";

export interface IngestOptions {
  store: MediaStore;
  accountId: string;
  mediaId: string;
  /** Largest object accepted at all (MEDIA_MAX_BYTES). */
  maxBytes: number;
  /** When the upload names the channel type it is for, that type's limit for the sniffed kind applies too. */
  channelType?: ChannelType;
  /** The Content-Length the client declared, checked before anything is read past the sniff. */
  declaredBytes?: number;
  chunkBytes?: number;
}

export interface Ingested {
  contentType: string;
  sizeBytes: number;
  sha256: string;
  chunkCount: number;
  chunkBytes: number;
}

const tooLarge = (limit: number, why: string) =>
  new AppError(413, "media_too_large", `the media object is larger than ${limit} bytes (${why})`, { field: "body" });

function limitFor(opts: IngestOptions, contentType: string): { limit: number; why: string } {
  if (!opts.channelType) return { limit: opts.maxBytes, why: "MEDIA_MAX_BYTES" };
  const channel = mediaLimit(opts.channelType, contentType);
  if (channel === 0)
    throw new AppError(
      422,
      "media_not_supported_by_channel",
      `${opts.channelType} channels carry no ${mediaKindOf(contentType)} media`,
      { field: "channel_type" },
    );
  return channel < opts.maxBytes
    ? { limit: channel, why: `${opts.channelType} ${mediaKindOf(contentType)} limit` }
    : { limit: opts.maxBytes, why: "MEDIA_MAX_BYTES" };
}

export async function ingestMedia(source: AsyncIterable<Buffer | Uint8Array>, opts: IngestOptions): Promise<Ingested> {
  const chunkBytes = opts.chunkBytes ?? MEDIA_CHUNK_BYTES;
  const hash = createHash("sha256");
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let written = 0;
  let contentType: string | undefined;
  let limit = { limit: opts.maxBytes, why: "MEDIA_MAX_BYTES" };
  if (opts.declaredBytes !== undefined && opts.declaredBytes > opts.maxBytes) throw tooLarge(opts.maxBytes, limit.why);

  const decide = async (head: Buffer) => {
    const sniffed = await sniffContentType(head.subarray(0, SNIFF_BYTES));
    if (!sniffed || !MEDIA_CONTENT_TYPES.has(sniffed))
      throw new AppError(
        415,
        "media_type_not_allowed",
        sniffed
          ? `${sniffed} is not an accepted media type`
          : "the content type could not be recognised from the bytes",
        { field: "body" },
      );
    contentType = sniffed;
    limit = limitFor(opts, sniffed);
    if (opts.declaredBytes !== undefined && opts.declaredBytes > limit.limit) throw tooLarge(limit.limit, limit.why);
  };
  const flush = async (bytes: Buffer) => {
    if (contentType === undefined) await decide(bytes);
    await opts.store.putChunk(mediaChunkKey(opts.accountId, opts.mediaId, written), bytes);
    written++;
  };

  try {
    for await (const piece of source) {
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += buf.length;
      if (size > limit.limit) throw tooLarge(limit.limit, limit.why);
      hash.update(buf);
      pending.push(buf);
      pendingBytes += buf.length;
      while (pendingBytes >= chunkBytes) {
        const all = Buffer.concat(pending);
        await flush(all.subarray(0, chunkBytes));
        const rest = all.subarray(chunkBytes);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
        if (size > limit.limit) throw tooLarge(limit.limit, limit.why);
      }
    }
    if (size === 0) throw new AppError(400, "media_empty", "the media object has no bytes", { field: "body" });
    if (pendingBytes > 0) await flush(Buffer.concat(pending));
    if (size > limit.limit) throw tooLarge(limit.limit, limit.why);
  } catch (err) {
    await deleteMediaChunks(opts.store, opts.accountId, opts.mediaId, written).catch(() => undefined);
    throw err;
  }
  return { contentType: contentType!, sizeBytes: size, sha256: hash.digest("hex"), chunkCount: written, chunkBytes };
}
