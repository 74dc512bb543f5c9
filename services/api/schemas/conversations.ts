/**
 * Request and response schemas of /v1/conversations: threads of one channel with one participant,
 * both directions, with a status, an assignee, an unread count and, on WhatsApp, the state of the
 * customer-care window that decides whether free-form text may go.
 */

import { z } from "zod";
import { CUSTOMER_CARE_WINDOW_MS, insideCareWindow } from "../../../core/messages/care-window.js";
import { CHANNEL_TYPES } from "../../../core/messages/vocabulary.js";
import type { ConversationRow } from "../../../db/schema.js";
import {
  channelOptions,
  iso,
  isoOrNull,
  metadata,
  nonEmpty,
  text,
  tsOut,
  tsOutNullable,
  uuid,
  values,
} from "./common.js";

export const CONVERSATION_STATUSES = ["open", "pending", "closed"] as const;

export const conversationOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    channel_id: z.uuid(),
    channel_type: z.enum(CHANNEL_TYPES),
    participants: z
      .object({
        contact: z.string().describe("The customer's address (phone number, chat id, PSID, e-mail address)"),
        channel: z.string().describe("Our side: the number, bot or page the customer wrote to"),
        contact_id: z.uuid().nullable(),
      })
      .describe("Who talks in this conversation"),
    status: z.enum(CONVERSATION_STATUSES),
    assignee: z.string().nullable(),
    unread_count: z.number().int().describe("Inbound messages since the last read marker"),
    last_message_at: tsOutNullable,
    last_inbound_at: tsOutNullable,
    last_read_at: tsOutNullable,
    care_window: z
      .object({
        open: z.boolean(),
        expires_at: tsOutNullable.describe("24 hours after the customer's last message; null before any"),
      })
      .nullable()
      .describe("WhatsApp only: free-form text may go while open; outside it only an approved template"),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "Conversation" });

export function conversationJson(r: ConversationRow, now: Date): z.infer<typeof conversationOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    channel_id: r.channelId,
    channel_type: r.channelType as (typeof CHANNEL_TYPES)[number],
    participants: { contact: r.participantFrom, channel: r.participantTo, contact_id: r.contactId },
    status: r.status as (typeof CONVERSATION_STATUSES)[number],
    assignee: r.assignee,
    unread_count: r.unreadCount,
    last_message_at: isoOrNull(r.lastMessageAt),
    last_inbound_at: isoOrNull(r.lastInboundAt),
    last_read_at: isoOrNull(r.lastReadAt),
    care_window:
      r.channelType === "whatsapp"
        ? {
            open: insideCareWindow(r.lastInboundAt, now),
            expires_at: r.lastInboundAt ? iso(new Date(r.lastInboundAt.getTime() + CUSTOMER_CARE_WINDOW_MS)) : null,
          }
        : null,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const conversationReadOut = conversationOut.extend({
  read_receipt: z
    .object({
      outcome: z.enum(["sent", "not_supported", "no_inbound_message", "failed"]),
      reason: z.string().optional(),
    })
    .describe(
      "What the provider was told: sent (WhatsApp marked the latest message read, Messenger showed it seen), not_supported (the channel has no read receipts), no_inbound_message, or failed with the provider's reason",
    ),
});

export const conversationUpdate = nonEmpty(
  z.strictObject({
    status: z.enum(CONVERSATION_STATUSES).optional(),
    assignee: text(255).nullable().optional().describe("Who handles it (the tenant's own user id); null unassigns"),
  }),
).meta({ examples: [{ status: "pending", assignee: "agent-17" }] });

export const conversationReply = z
  .strictObject({
    message_body: z.string().max(65_536, { error: "at most 65536 characters" }).optional(),
    template_id: uuid.optional().describe("Render this template instead of sending message_body"),
    custom_values: values.optional(),
    channel_options: channelOptions.optional(),
    priority: z.number().int().min(0).max(9).optional(),
    metadata: metadata.optional(),
  })
  .refine((b) => (b.message_body === undefined) !== (b.template_id === undefined), {
    error: "send either message_body or template_id",
    path: ["message_body"],
  })
  .meta({ examples: [{ message_body: "Thanks, your order ships tomorrow." }] });
