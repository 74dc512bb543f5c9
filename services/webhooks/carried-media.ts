/**
 * Keeps the media whose bytes arrive in the webhook request itself (an inbound e-mail's
 * attachments and inline parts) in the media store, before the request is answered.
 *
 * Other providers' inbound media are references the inbound consumer fetches later; an e-mail's
 * bytes exist nowhere else once the inbound-parse webhook is answered 200 (the provider drops its
 * copy), so they must be durable before that answer. Written here, straight as their final
 * objects, they are written once; staging them for the consumer to copy would write every byte
 * twice and still in this request. Each part goes through the same checks as every inbound
 * object (services/media/ingest.ts: the sniffed type on the allow-list, the channel type's limit
 * for its kind, MEDIA_MAX_BYTES), under the same derived id (channel, provider message id,
 * position), and its entry in `metadata.media` names the media id or why it was refused; the
 * consumer then records those outcomes as it records its own fetches. A store failure throws, so
 * the provider is answered 503 and retries; a retried request finds the parts it already wrote.
 */

import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { INBOUND_MEDIA_KEY, inboundMediaId } from "../../core/media/inbound-media.js";
import type { MediaStore } from "../../core/media/store.js";
import type { ChannelType, InboundMessage } from "../../core/messages/vocabulary.js";
import type { CarriedInbound } from "../../adapters/contract/types.js";
import type { Database } from "../../db/client.js";
import { insertMediaIfAbsent, mediaExists } from "../../db/media/media-rows.js";
import { ingestMedia } from "../media/ingest.js";

export interface CarriedMediaDeps {
  db: Database;
  store: MediaStore;
  /** Largest object kept (MEDIA_MAX_BYTES). */
  maxBytes: number;
  retentionMs: number;
  log: Logger;
  now?: () => Date;
}

interface Channel {
  id: string;
  accountId: string;
  channelType: ChannelType;
}

export type CarriedMediaKeeper = (ch: Channel, items: CarriedInbound[]) => Promise<InboundMessage[]>;

async function* once(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}

export function carriedMediaKeeper(deps: CarriedMediaDeps): CarriedMediaKeeper {
  const now = deps.now ?? (() => new Date());

  const keepOne = async (ch: Channel, id: string, bytes: Buffer, filename: unknown) => {
    if (await mediaExists(deps.db.orm, id)) return { media_id: id };
    try {
      const stored = await ingestMedia(once(bytes), {
        store: deps.store,
        accountId: ch.accountId,
        mediaId: id,
        maxBytes: deps.maxBytes,
        channelType: ch.channelType,
        declaredBytes: bytes.length,
      });
      const at = now();
      await insertMediaIfAbsent(deps.db.orm, {
        id,
        accountId: ch.accountId,
        contentType: stored.contentType,
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
        chunkCount: stored.chunkCount,
        chunkBytes: stored.chunkBytes,
        filename: typeof filename === "string" ? filename.slice(0, 255) : null,
        source: "inbound",
        createdAt: at,
        expiresAt: new Date(at.getTime() + deps.retentionMs),
      });
      return { media_id: id };
    } catch (err) {
      // Refused for what it is (type, size): recorded on the message; anything else is retried.
      if (err instanceof AppError && err.status < 500) {
        deps.log.info({ code: err.code, media: id, channelId: ch.id }, "inbound e-mail part not kept");
        return { error: err.code };
      }
      throw err;
    }
  };

  return async (ch, items) => {
    const out: InboundMessage[] = [];
    for (const { message, media } of items) {
      const entries = message.metadata[INBOUND_MEDIA_KEY];
      if (!Array.isArray(entries) || entries.length === 0) {
        out.push(message);
        continue;
      }
      const kept: unknown[] = [];
      for (const [i, entry] of entries.entries()) {
        const bytes = media[i];
        const e = entry as Record<string, unknown>;
        const outcome = bytes
          ? await keepOne(ch, inboundMediaId(ch.id, message.providerMessageId, i), bytes, e.filename)
          : { error: "media_empty" };
        kept.push({ ...e, ...outcome });
      }
      out.push({ ...message, metadata: { ...message.metadata, [INBOUND_MEDIA_KEY]: kept } });
    }
    return out;
  };
}
