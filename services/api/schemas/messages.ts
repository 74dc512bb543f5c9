/**
 * Request and response schemas of the message endpoints (zod): they validate requests and are the
 * schemas of the OpenAPI document.
 */

import { z } from "zod";
import { CHANNEL_TYPES } from "../../../core/messages/vocabulary.js";
import type { MessageEventRow, MessageRow } from "../../../db/schema.js";
import { MESSAGE_DIRECTIONS, MESSAGE_STATUSES } from "../../../core/messages/lifecycle.js";
import {
  accountId,
  channelOptions,
  iso,
  isoOrNull,
  metadata,
  nonEmpty,
  tsOut,
  tsOutNullable,
  uuid,
  values,
} from "./common.js";

export type MessageCreate = z.infer<typeof messageCreate>;

export const messageCreate = z
  .strictObject({
    account_id: accountId,
    reply_to_message_id: uuid
      .optional()
      .describe(
        "Reply to this inbound message: the reply goes to its sender, through its channel, joins its conversation and is threaded the provider's way",
      ),
    channel_id: uuid.optional().describe("The channel to send through; or give channel_type instead"),
    channel_type: z
      .enum(CHANNEL_TYPES)
      .optional()
      .describe(
        "Send through the account's highest-priority active channel of this type, failing over to the next if it goes down",
      ),
    delivery_address: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe(
        "Phone number, e-mail address, chat id or PSID, depending on the channel type; a reply's comes from the inbound message",
      ),
    message_body: z.string().max(65_536, { error: "at most 65536 characters" }).optional(),
    template_id: uuid.optional().describe("Render this template instead of sending message_body"),
    contact_id: uuid.optional(),
    custom_values: values.optional().describe("Template variable values for this message"),
    direction: z
      .enum(MESSAGE_DIRECTIONS)
      .optional()
      .describe("outbound (default) messages are queued for dispatch; inbound and system ones are records"),
    status: z.enum(MESSAGE_STATUSES).optional().describe("outbound messages start queued"),
    priority: z.number().int().min(0).max(9).optional().describe("0 (default) to 9; higher is dispatched first"),
    channel_options: channelOptions.optional(),
    metadata: metadata
      .optional()
      .describe(
        "Free-form JSON kept with the message (allow_failover among others); channel options given here, as older clients do, are read too",
      ),
  })
  .refine((b) => (b.message_body === undefined) !== (b.template_id === undefined), {
    error: "send either message_body or template_id",
    path: ["message_body"],
  })
  .refine(
    (b) =>
      b.reply_to_message_id !== undefined
        ? b.channel_id === undefined || b.channel_type === undefined
        : (b.channel_id === undefined) !== (b.channel_type === undefined),
    { error: "send either channel_id or channel_type", path: ["channel_id"] },
  )
  .refine((b) => b.reply_to_message_id !== undefined || b.delivery_address !== undefined, {
    error: "required unless the message replies to an inbound message (reply_to_message_id)",
    path: ["delivery_address"],
  })
  .meta({
    examples: [
      {
        channel_id: "3f1c6a52-8a0e-4b7e-9c41-2d5b8e7f9a10",
        delivery_address: "+251911234567",
        message_body: "Your code is 4821",
      },
      {
        channel_type: "email",
        delivery_address: "abebe@example.com",
        template_id: "7b2e9d14-5c3a-4f6b-8e2d-1a9c0b4d6e21",
        custom_values: { CITY: "Adama" },
      },
    ],
  });

export const messageUpdate = nonEmpty(
  z.strictObject({
    status: z.literal("cancelled", { error: "clients may only set status to cancelled" }).optional(),
    metadata: metadata.optional(),
  }),
);

const failoverOut = z
  .array(z.object({ channel_id: z.string(), error_code: z.string().nullable(), at: z.string() }))
  .nullable();

export const messageOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    channel_id: z.uuid().nullable(),
    channel_type: z.enum(CHANNEL_TYPES).nullable(),
    contact_id: z.uuid().nullable(),
    conversation_id: z.uuid().nullable(),
    group_message_id: z.uuid().nullable(),
    scheduled_message_id: z.uuid().nullable(),
    template_id: z.uuid().nullable(),
    direction: z.enum(MESSAGE_DIRECTIONS),
    status: z.enum(MESSAGE_STATUSES),
    priority: z.number().int(),
    delivery_address: z.string(),
    message_body: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    channel_options: channelOptions.describe("The options the message is sent with, rendered template parts included"),
    reply_to_message_id: z.uuid().nullable().describe("The inbound message this one replies to"),
    encoding: z.enum(["gsm7", "ucs2"]).nullable(),
    segments: z.number().int().nullable(),
    provider_message_id: z.string().nullable(),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    attempts: z.number().int(),
    next_attempt_at: tsOutNullable,
    sent_at: tsOutNullable,
    delivered_at: tsOutNullable,
    read_at: tsOutNullable,
    failed_at: tsOutNullable,
    failover: failoverOut,
    trace_id: z.string().nullable(),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "Message" });
type MessageOut = z.infer<typeof messageOut>;

export function messageJson(r: MessageRow): MessageOut {
  return {
    id: r.id,
    account_id: r.accountId,
    channel_id: r.channelId,
    channel_type: r.channelType as MessageOut["channel_type"],
    contact_id: r.contactId,
    conversation_id: r.conversationId,
    group_message_id: r.groupMessageId,
    scheduled_message_id: r.scheduledMessageId,
    template_id: r.templateId,
    direction: r.direction as MessageOut["direction"],
    status: r.status as MessageOut["status"],
    priority: r.priority,
    delivery_address: r.deliveryAddress,
    message_body: r.messageBody,
    metadata: r.metadata,
    channel_options: r.channelOptions,
    reply_to_message_id: r.replyToMessageId,
    encoding: r.encoding as MessageOut["encoding"],
    segments: r.segments,
    provider_message_id: r.providerMessageId,
    error_code: r.errorCode,
    error_message: r.errorMessage,
    attempts: r.attempts,
    next_attempt_at: isoOrNull(r.nextAttemptAt),
    sent_at: isoOrNull(r.sentAt),
    delivered_at: isoOrNull(r.deliveredAt),
    read_at: isoOrNull(r.readAt),
    failed_at: isoOrNull(r.failedAt),
    failover: r.failover,
    trace_id: r.traceId,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const messageEventOut = z
  .object({
    id: z.uuid(),
    event_type: z.string(),
    from_status: z.string().nullable(),
    to_status: z.string().nullable(),
    provider_timestamp: tsOutNullable,
    provider_payload_ref: z.string().nullable(),
    event_data: z.record(z.string(), z.unknown()),
    created_at: tsOut,
  })
  .meta({ id: "MessageEvent" });

export function messageEventJson(e: MessageEventRow): z.infer<typeof messageEventOut> {
  return {
    id: e.id,
    event_type: e.eventType,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    provider_timestamp: isoOrNull(e.providerTimestamp),
    provider_payload_ref: e.providerPayloadRef,
    event_data: e.eventData,
    created_at: iso(e.createdAt),
  };
}
