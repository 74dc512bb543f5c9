/**
 * Fetches the bytes of an inbound message's media references (`metadata.media`) into the media
 * store, after the message is stored and never in the webhook request: the provider's URL is
 * found with the channel's credentials (the adapter's locateInboundMedia), downloaded under the
 * safety rules of downloadMedia, sniffed and checked like an upload (allow-list, the channel
 * type's limit), and kept as a media row of the message's account (source 'inbound'). Each
 * reference's entry on the message then names the media id, or the code of why it was not
 * fetched. Entries that arrive already naming a media id or an error (an inbound e-mail's parts,
 * whose bytes came in the webhook request and were kept there) are recorded as they are.
 *
 * The media id is derived from (channel, provider message id, position), so a redelivered event
 * finds the object already stored and only records it again. A failure that may pass (network,
 * the provider's 5xx, the store) throws, and the broker redelivers (RETRY); one that will not
 * (type not allowed, too large, a forbidden address, the provider's 4xx) is recorded and done.
 */

import { AppError } from "../../core/errors.js";
import { SendError } from "../../core/dispatch/send-error.js";
import type { Logger } from "../../core/logger.js";
import { INBOUND_MEDIA_KEY, InboundMedia, inboundMediaId } from "../../core/media/inbound-media.js";
import type { MediaStore } from "../../core/media/store.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { InboundEvent } from "../../core/webhooks/events.js";
import type { MediaDownload } from "../../adapters/contract/media-download.js";
import type { MediaLocation } from "../../adapters/contract/types.js";
import type { Database } from "../../db/client.js";
import { readWebhookChannel } from "../../db/channels/webhook-channel.js";
import { recordInboundMedia } from "../../db/conversations/inbound-media.js";
import { insertMediaIfAbsent, mediaExists } from "../../db/media/media-rows.js";
import { channelCredentialsAad, type SecretBox } from "../../db/secret-box.js";
import { ingestMedia } from "../media/ingest.js";

export interface InboundMediaFetchDeps {
  db: Database;
  box: SecretBox;
  store: MediaStore;
  /** The channel's adapter's locateInboundMedia, or undefined when its provider has none. */
  locate(
    channelType: ChannelType,
    provider: string,
  ): ((ref: string, credentials: unknown) => Promise<MediaLocation>) | undefined;
  /** downloadMedia with the operator's outbound policy, cap and timeout already applied. */
  download(location: MediaLocation): Promise<MediaDownload>;
  /** Largest object kept (MEDIA_MAX_BYTES). */
  maxBytes: number;
  retentionMs: number;
  log: Logger;
  now?: () => Date;
}

/** What became of one reference, as recorded on the message. */
export type FetchOutcome = { media_id: string } | { error: string };

const MediaList = InboundMedia.passthrough().array();

export { inboundMediaId };

export function createInboundMediaFetcher(deps: InboundMediaFetchDeps) {
  const now = deps.now ?? (() => new Date());

  async function fetchOne(
    ref: InboundMedia,
    id: string,
    channel: { accountId: string; channelType: ChannelType },
    locate: (ref: string, credentials: unknown) => Promise<MediaLocation>,
    credentials: () => unknown,
  ): Promise<FetchOutcome> {
    if (await mediaExists(deps.db.orm, id)) return { media_id: id };
    try {
      const location = await locate(ref.ref, credentials());
      const download = await deps.download(location);
      const stored = await ingestMedia(download.body, {
        store: deps.store,
        accountId: channel.accountId,
        mediaId: id,
        maxBytes: deps.maxBytes,
        channelType: channel.channelType,
        declaredBytes: download.declaredBytes,
      });
      const at = now();
      await insertMediaIfAbsent(deps.db.orm, {
        id,
        accountId: channel.accountId,
        contentType: stored.contentType,
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
        chunkCount: stored.chunkCount,
        chunkBytes: stored.chunkBytes,
        filename: ref.filename?.slice(0, 255) ?? null,
        source: "inbound",
        createdAt: at,
        expiresAt: new Date(at.getTime() + deps.retentionMs),
      });
      return { media_id: id };
    } catch (err) {
      const code = permanentCode(err);
      if (code === undefined) throw err;
      deps.log.info({ code, media: id }, "inbound media not fetched");
      return { error: code };
    }
  }

  /** Fetches every reference of the message not fetched yet; throws when a retry may succeed. */
  async function fetchFor(event: InboundEvent): Promise<FetchOutcome[]> {
    const parsed = MediaList.safeParse(event.message.metadata[INBOUND_MEDIA_KEY]);
    if (!parsed.success || parsed.data.length === 0) return [];
    const channel = await readWebhookChannel(deps.db, event.channelId);
    if (!channel) return [];
    const locate = deps.locate(channel.channelType, channel.provider);
    let opened: unknown;
    const credentials = () =>
      (opened ??= deps.box.openJson(
        { keyId: channel.credentialsKeyId, ciphertext: channel.credentialsCiphertext },
        channelCredentialsAad(channel.id),
      ));
    const outcomes: FetchOutcome[] = [];
    for (const [i, ref] of parsed.data.entries()) {
      const id = inboundMediaId(channel.id, event.message.providerMessageId, i);
      outcomes.push(
        keptAlready(ref) ??
          (locate ? await fetchOne(ref, id, channel, locate, credentials) : { error: "media_not_supported" }),
      );
    }
    await recordInboundMedia(
      deps.db,
      {
        channelId: channel.id,
        providerMessageId: event.message.providerMessageId,
        receivedAt: new Date(event.message.receivedAt),
      },
      parsed.data.map((ref, i) => ({ ...ref, ...outcomes[i] })),
    );
    return outcomes;
  }

  return { fetchFor };
}

/**
 * The outcome an entry arrived with: media whose bytes came in the webhook request (an inbound
 * e-mail's parts) were kept, or refused, by the receiver, and there is nothing to fetch.
 */
function keptAlready(ref: Record<string, unknown>): FetchOutcome | undefined {
  if (typeof ref.media_id === "string") return { media_id: ref.media_id };
  if (typeof ref.error === "string") return { error: ref.error };
  return undefined;
}

/** The code to record for a failure no retry will mend; undefined for one that may pass. */
function permanentCode(err: unknown): string | undefined {
  if (err instanceof SendError) return err.kind === "permanent" ? err.code : undefined;
  if (err instanceof AppError) return err.status < 500 ? err.code : undefined;
  return undefined;
}
