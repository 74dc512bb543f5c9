import { z } from "zod";

/**
 * The data that crosses the adapter boundary (seed 000 §4). zod is the single source: the
 * TypeScript types below are inferred, and the dispatcher validates events against the same schemas.
 */

export const ChannelType = z.enum(["sms", "smpp", "telegram", "whatsapp", "messenger", "email"]);
export type ChannelType = z.infer<typeof ChannelType>;

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
  /** Channel-specific options, e.g. parse_mode for Telegram, subject for e-mail, template for WhatsApp. */
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type DispatchPayload = z.infer<typeof DispatchPayload>;
export type DispatchPayloadInput = z.input<typeof DispatchPayload>;

export const DispatchStatus = z.enum(["sent", "failed", "rate_limited"]);

export const DispatchResult = z.object({
  success: z.boolean(),
  providerMessageId: z.string().nullable(),
  status: DispatchStatus,
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** Provider response details worth keeping (segment count, price, wa_id …); never secrets. */
  metadata: z.record(z.string(), z.unknown()),
});
export type DispatchResult = z.infer<typeof DispatchResult>;

export const ChannelHealth = z.object({
  status: z.enum(["connected", "disconnected", "error"]),
  latencyMs: z.number().int().nonnegative().nullable(),
  errorMessage: z.string().nullable(),
});
export type ChannelHealth = z.infer<typeof ChannelHealth>;

export const DeliveryStatus = z.enum(["queued", "sent", "delivered", "read", "failed"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const StatusUpdate = z.object({
  /**
   * The provider's id for the message this update concerns. Null only for watermark updates
   * (Messenger read receipts), which cover every message to `recipient` up to `watermark`.
   */
  providerMessageId: z.string().nullable(),
  status: DeliveryStatus,
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** The recipient opted out (STOP, blocked bot): the contact must not be messaged again. */
  optOut: z.boolean(),
  recipient: z.string().nullable(),
  watermark: z.iso.datetime().nullable(),
  occurredAt: z.iso.datetime().nullable(),
  /** Extra facts (segment number, price, network code); never secrets. */
  metadata: z.record(z.string(), z.unknown()),
});
export type StatusUpdate = z.infer<typeof StatusUpdate>;

export const InboundContentType = z.enum([
  "text", "image", "audio", "video", "document", "sticker", "location", "contact", "reaction", "unsupported",
]);

export const InboundMessage = z.object({
  providerMessageId: z.string(),
  /** Sender address in the channel's own form (E.164, chat id, PSID, e-mail). */
  from: z.string(),
  to: z.string().nullable(),
  contentType: InboundContentType,
  /** Text content; for non-text messages a short description such as "[image]". */
  text: z.string(),
  receivedAt: z.iso.datetime(),
  metadata: z.record(z.string(), z.unknown()),
});
export type InboundMessage = z.infer<typeof InboundMessage>;

/** A webhook request exactly as received: the raw body is kept because signatures cover bytes. */
export interface WebhookRequest {
  method: string;
  /** The full public URL the provider called, including the query string (Twilio signs it). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

export function header(req: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Builders that fill the nullable fields so adapters state only what they know. */
export function statusUpdate(fields: Partial<StatusUpdate> & Pick<StatusUpdate, "providerMessageId" | "status">): StatusUpdate {
  return {
    errorCode: null,
    errorMessage: null,
    optOut: false,
    recipient: null,
    watermark: null,
    occurredAt: null,
    metadata: {},
    ...fields,
  };
}

export function inboundMessage(
  fields: Partial<InboundMessage> & Pick<InboundMessage, "providerMessageId" | "from" | "text">,
): InboundMessage {
  return {
    to: null,
    contentType: "text",
    receivedAt: new Date().toISOString(),
    metadata: {},
    ...fields,
  };
}

export function sentResult(providerMessageId: string, metadata: Record<string, unknown> = {}): DispatchResult {
  return { success: true, providerMessageId, status: "sent", errorCode: null, errorMessage: null, metadata };
}
