/**
 * The message vocabulary every layer speaks: channel types, delivery statuses, and the delivery
 * receipts and inbound messages that adapters parse out of provider callbacks and the pipeline
 * stores. zod is the single source: the types are inferred, and consumers validate events
 * against the same schemas.
 */

import { z } from "zod";

/** Channel types; dispatch topics are named after them. */
export const CHANNEL_TYPES = ["sms", "smpp", "telegram", "whatsapp", "messenger", "email"] as const;
export const ChannelType = z.enum(CHANNEL_TYPES);
export type ChannelType = z.infer<typeof ChannelType>;

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
  /**
   * An e-mail bounce and how lasting it is: permanent (the mailbox does not exist, the domain takes
   * no mail) suppresses further sends to the address; transient (mailbox full, greylisting) does
   * not. Null for anything else, and for a bounce whose kind the provider did not determine.
   */
  bounce: z.enum(["permanent", "transient"]).nullable().default(null),
  recipient: z.string().nullable(),
  watermark: z.iso.datetime().nullable(),
  occurredAt: z.iso.datetime().nullable(),
  /** Extra facts (segment number, price, network code); never secrets. */
  metadata: z.record(z.string(), z.unknown()),
});
export type StatusUpdate = z.infer<typeof StatusUpdate>;

export const InboundContentType = z.enum([
  "text",
  "image",
  "audio",
  "video",
  "document",
  "sticker",
  "location",
  "contact",
  "reaction",
  "unsupported",
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

/** Builders that fill the nullable fields so adapters state only what they know. */
export function statusUpdate(
  fields: Partial<StatusUpdate> & Pick<StatusUpdate, "providerMessageId" | "status">,
): StatusUpdate {
  return {
    errorCode: null,
    errorMessage: null,
    optOut: false,
    bounce: null,
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
