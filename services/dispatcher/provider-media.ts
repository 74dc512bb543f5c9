/**
 * Puts a stored media object on a provider once per channel, where the provider lets it be sent
 * again by its own reference (the adapter's `mediaReuse`), so a campaign of 1,000 recipients with
 * one image moves the bytes to the provider once, not 1,000 times:
 * - WhatsApp (`upload`): the first message of a (channel, media id) uploads the bytes from the
 *   media store; every message sends the answered media id instead of a link;
 * - Telegram and Messenger (`first-send`): the first message goes by link and its answer carries
 *   the file_id (Messenger: the reusable attachment_id); the messages that arrive meanwhile wait
 *   for it, then send that reference.
 * The reference is kept in provider_media_refs (and in memory) until the provider forgets it or
 * the object expires. One channel's sends run in one process at a time (its actor), so an
 * in-process flight per key is enough to make the upload happen once. When the upload fails, the
 * message goes by link as before (and no upload is tried for that key for a minute), so a
 * provider refusing uploads costs a log line, not the campaign.
 */

import type { ChannelAdapter } from "../../adapters/contract/contract.js";
import type { DispatchResult } from "../../adapters/contract/types.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";
import { readMediaChunks, type MediaStore } from "../../core/media/store.js";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { findMediaById } from "../../db/media/media-rows.js";
import { findProviderMediaRef, saveProviderMediaRef, type ProviderMediaRef } from "../../db/media/provider-refs.js";

export interface ProviderMediaDeps {
  db: Database;
  store: MediaStore;
  log: Logger;
  now?: () => Date;
}

export interface ProviderMediaSend {
  channelId: string;
  adapter: ChannelAdapter;
  credentials: Record<string, unknown>;
  /** As the attachment resolver answered them: stored objects carry their media id. */
  attachments: DispatchAttachment[];
  /** The provider call with these attachments (some carrying the provider's reference). */
  send(attachments: DispatchAttachment[]): Promise<DispatchResult>;
}

export type ProviderMediaSender = (job: ProviderMediaSend) => Promise<DispatchResult>;

/** References kept in memory: far more (channel, object) pairs than campaigns run at once. */
const MEMORY_ENTRIES = 10_000;
/** After a failed upload, sends of that object on that channel go by link for this long. */
const UPLOAD_BACKOFF_MS = 60_000;
/** A waiting send leads itself after this many first sends ended without a reference. */
const MAX_WAITS = 3;

export function providerMediaSender(deps: ProviderMediaDeps): ProviderMediaSender {
  const now = deps.now ?? (() => new Date());
  const known = new Map<string, ProviderMediaRef>();
  const flights = new Map<string, Promise<string | undefined>>();
  const uploadFailedUntil = new Map<string, number>();

  const remember = (key: string, ref: ProviderMediaRef) => {
    known.delete(key);
    known.set(key, ref);
    if (known.size > MEMORY_ENTRIES) known.delete(known.keys().next().value!);
  };

  const lookup = async (channelId: string, mediaId: string): Promise<string | undefined> => {
    const key = `${channelId}/${mediaId}`;
    const at = now();
    const hit = known.get(key);
    if (hit && hit.expiresAt > at) return hit.ref;
    const row = await findProviderMediaRef(deps.db.orm, channelId, mediaId, at);
    if (row) remember(key, row);
    return row?.ref;
  };

  /** Keeps the reference until the provider forgets it, and never past the object's own expiry. */
  const save = async (channelId: string, mediaId: string, ref: string, lifetimeMs: number | null) => {
    const at = now();
    const row = await findMediaById(deps.db.orm, mediaId, at);
    if (!row) return;
    const until =
      lifetimeMs === null ? row.expiresAt.getTime() : Math.min(at.getTime() + lifetimeMs, row.expiresAt.getTime());
    const saved = { ref, expiresAt: new Date(until) };
    await saveProviderMediaRef(deps.db.orm, channelId, mediaId, saved);
    remember(`${channelId}/${mediaId}`, saved);
  };

  const upload = async (job: ProviderMediaSend, mediaId: string): Promise<string | undefined> => {
    const row = await findMediaById(deps.db.orm, mediaId, now());
    if (!row) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of readMediaChunks(deps.store, row.accountId, row.id, row.chunkCount)) chunks.push(chunk);
    const ref = await job.adapter.uploadMedia!(job.credentials, {
      bytes: Buffer.concat(chunks),
      contentType: row.contentType,
      filename: row.filename,
    });
    await save(job.channelId, mediaId, ref, job.adapter.mediaReuse?.lifetimeMs ?? null);
    deps.log.info({ channelId: job.channelId, mediaId, bytes: row.sizeBytes }, "media uploaded to the provider");
    return ref;
  };

  /** The provider's reference for an uploaded object: cached, or uploaded by the first sender. */
  const uploadedRef = async (job: ProviderMediaSend, mediaId: string): Promise<string | undefined> => {
    const key = `${job.channelId}/${mediaId}`;
    const cached = await lookup(job.channelId, mediaId);
    if (cached) return cached;
    if ((uploadFailedUntil.get(key) ?? 0) > Date.now()) return undefined;
    let flight = flights.get(key);
    if (!flight) {
      flight = upload(job, mediaId)
        .catch((err: unknown) => {
          uploadFailedUntil.set(key, Date.now() + UPLOAD_BACKOFF_MS);
          deps.log.warn(
            { channelId: job.channelId, mediaId, err: err instanceof Error ? err.message : String(err) },
            "media upload to the provider failed; sending by link",
          );
          return undefined;
        })
        .finally(() => flights.delete(key));
      flights.set(key, flight);
    }
    return flight;
  };

  const sendUploaded = async (job: ProviderMediaSend): Promise<DispatchResult> => {
    const attachments = await Promise.all(
      job.attachments.map(async (a) => {
        if (!a.mediaId) return a;
        const ref = await uploadedRef(job, a.mediaId);
        return ref ? { ...a, providerRef: ref } : a;
      }),
    );
    return job.send(attachments);
  };

  /** The first send of an object goes by link and answers the reference; the others wait for it. */
  const sendFirstOrByRef = async (job: ProviderMediaSend, index: number, mediaId: string) => {
    const key = `${job.channelId}/${mediaId}`;
    const withRef = (ref: string) => job.attachments.map((a, i) => (i === index ? { ...a, providerRef: ref } : a));
    for (let waits = 0; ; waits++) {
      const cached = await lookup(job.channelId, mediaId);
      if (cached) return job.send(withRef(cached));
      const pending = flights.get(key);
      if (!pending) break;
      if (waits >= MAX_WAITS) return job.send(job.attachments);
      await pending;
    }
    // No await between finding no flight and starting this one: exactly one send leads.
    let settle!: (ref: string | undefined) => void;
    flights.set(key, new Promise((resolve) => (settle = resolve)));
    let ref: string | undefined;
    try {
      const result = await job.send(job.attachments);
      if (result.mediaRef) {
        ref = result.mediaRef;
        await save(job.channelId, mediaId, ref, job.adapter.mediaReuse?.lifetimeMs ?? null).catch((err: unknown) => {
          deps.log.warn(
            { channelId: job.channelId, mediaId, err: err instanceof Error ? err.message : String(err) },
            "the provider's media reference was not saved",
          );
        });
      }
      return result;
    } finally {
      flights.delete(key);
      settle(ref);
    }
  };

  return async (job) => {
    const reuse = job.adapter.mediaReuse;
    if (!reuse || !job.attachments.some((a) => a.mediaId)) return job.send(job.attachments);
    if (reuse.by === "upload" && job.adapter.uploadMedia) return sendUploaded(job);
    if (reuse.by === "first-send" && job.attachments.length === 1)
      return sendFirstOrByRef(job, 0, job.attachments[0]!.mediaId!);
    if (reuse.by === "first-send") {
      // An album answers one message per item: the references already kept are used, and no
      // send waits for another (albums are rare next to single attachments).
      const attachments = await Promise.all(
        job.attachments.map(async (a) => {
          const ref = a.mediaId ? await lookup(job.channelId, a.mediaId) : undefined;
          return ref ? { ...a, providerRef: ref } : a;
        }),
      );
      return job.send(attachments);
    }
    return job.send(job.attachments);
  };
}
