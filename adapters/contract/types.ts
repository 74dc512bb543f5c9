/**
 * The data that crosses the adapter boundary. zod is the single source: the
 * TypeScript types below are inferred, and the dispatcher validates events against the same schemas.
 */

import { z } from "zod";
import { ChannelType } from "../../core/messages/vocabulary.js";
import { ChannelOptions } from "../../core/messages/channel-options.js";
import { DispatchAttachment } from "../../core/media/attachments.js";
import type { InboundMessage } from "../../core/messages/vocabulary.js";

export const DispatchPayload = z.object({
  messageId: z.uuid(),
  channelId: z.uuid(),
  channelType: ChannelType,
  /** Decrypted channel credentials; each adapter validates them with its own schema. */
  credentials: z.record(z.string(), z.unknown()),
  /** Phone number (E.164), chat id, PSID or e-mail address, depending on the channel. */
  deliveryAddress: z.string().min(1),
  /** Rendered message content. */
  messageBody: z.string(),
  /** The message's channel options (core/messages/channel-options.ts), rendered template parts included. */
  options: ChannelOptions.optional(),
  /**
   * The message's free-form metadata. Messages stored before options had a field of their own
   * carry them here, so adapters read an option from `options` first, then from here.
   */
  metadata: z.record(z.string(), z.unknown()).default({}),
  /**
   * When the recipient last wrote to this channel, from the inbound messages the platform stored
   * (never from the caller): WhatsApp's customer-care window is worked out from it.
   */
  lastInboundAt: z.iso.datetime({ offset: true }).nullable().optional(),
  /** The provider's id of the inbound message this one replies to, for the provider's threading. */
  replyTo: z.string().nullable().optional(),
  /**
   * Media to send with the text (the text is their caption), each as a URL the provider can fetch:
   * the dispatcher resolves `options.attachments` (media ids to signed links of ours) into these.
   */
  attachments: z.array(DispatchAttachment).optional(),
});
export type DispatchPayload = z.infer<typeof DispatchPayload>;
export type DispatchPayloadInput = z.input<typeof DispatchPayload>;

/**
 * What `send` resolves with: the provider accepted the message. A failure is never a result; the
 * adapter rejects with a SendError instead.
 */
export const DispatchResult = z.object({
  success: z.literal(true),
  providerMessageId: z.string().nullable(),
  status: z.literal("sent"),
  /** Provider response details worth keeping (segment count, price, wa_id …); never secrets. */
  metadata: z.record(z.string(), z.unknown()),
  /**
   * The provider's reusable reference to the media object this send carried by URL (Telegram's
   * file_id), on providers whose reuse is by first send (`mediaReuse.by === "first-send"`).
   */
  mediaRef: z.string().optional(),
});
export type DispatchResult = z.infer<typeof DispatchResult>;

export const ChannelHealth = z.object({
  status: z.enum(["connected", "disconnected", "error"]),
  latencyMs: z.number().int().nonnegative().nullable(),
  errorMessage: z.string().nullable(),
});
export type ChannelHealth = z.infer<typeof ChannelHealth>;

/**
 * The provider's answer to a set of credentials: accepted, or refused with our code and the
 * provider's reason (redacted: never a secret). A provider that cannot be reached gives no answer;
 * verifyCredentials rejects then instead.
 */
export type CredentialCheck = { valid: true } | { valid: false; code: string; reason: string };

/** A webhook request exactly as received: the raw body is kept because signatures cover bytes. */
export interface WebhookRequest {
  method: string;
  /** The full public URL the provider called, including the query string (Twilio signs it). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** The body's bytes, for bodies that are not UTF-8 text throughout (a raw MIME message's 8-bit parts). */
  rawBytes?: Buffer;
}

export function header(req: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export function sentResult(providerMessageId: string, metadata: Record<string, unknown> = {}): DispatchResult {
  return { success: true, providerMessageId, status: "sent", metadata };
}

/**
 * An inbound message whose media bytes came in the webhook request itself (an e-mail's
 * attachments and inline parts), not as a reference to fetch later: `media[i]` holds the bytes of
 * `message.metadata.media[i]`.
 */
export interface CarriedInbound {
  message: InboundMessage;
  media: Buffer[];
}

/**
 * How a provider lets one media object be sent again without fetching it again:
 * - `upload`: the adapter's uploadMedia puts the bytes on the provider and answers its reference;
 * - `first-send`: the first send by URL answers the reference (DispatchResult.mediaRef).
 * `lifetimeMs` is how long the provider keeps the reference (null: as long as the object lives).
 */
export interface MediaReuse {
  by: "upload" | "first-send";
  lifetimeMs: number | null;
}

/** A stored media object's bytes, handed to a provider's upload endpoint. */
export interface MediaUpload {
  bytes: Buffer;
  contentType: string;
  filename: string | null;
}

/**
 * Where the bytes of an inbound message's media object are, as the provider hands them out: a URL
 * and the headers that authenticate the download (WhatsApp's bearer token, Twilio's Basic auth),
 * kept in memory for the one download.
 */
export interface MediaLocation {
  url: string;
  headers: Record<string, string>;
  /** Values to keep out of logs and errors (a Telegram file URL carries the bot token). */
  secrets: readonly string[];
}
