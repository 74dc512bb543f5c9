/**
 * Request and response schemas of the group message (campaign) endpoints (zod): they validate requests
 * and are the schemas of the OpenAPI document.
 */

import { z } from "zod";
import type { GroupMessageRow } from "../../../db/schema.js";
import { GROUP_MESSAGE_STATUSES } from "../../../core/messages/lifecycle.js";
import {
  accountId,
  channelOptions,
  iso,
  isoOrNull,
  metadata,
  nonEmpty,
  sendDefinitionJson,
  sendDefinitionOut,
  tsOut,
  tsOutNullable,
  uuid,
  values,
} from "./common.js";

const groupIds = z
  .array(uuid)
  .min(1, { error: "name at least one contact group" })
  .max(100, { error: "at most 100 contact groups" })
  .refine((ids) => new Set(ids).size === ids.length, { error: "contains the same group twice" });
const body = z
  .string()
  .min(1)
  .max(65_536, { error: "at most 65536 characters" })
  .describe("Ad-hoc text with {VARIABLE} placeholders, instead of a template");

export const groupMessageCreate = z
  .strictObject({
    account_id: accountId,
    name: z.string().max(255).nullable().optional(),
    channel_id: uuid,
    template_id: uuid.optional(),
    message_body: body.optional(),
    contact_group_ids: groupIds,
    custom_values: values.optional().describe("Template variable overrides for every recipient"),
    channel_options: channelOptions
      .optional()
      .describe(
        "Options of the channel's type for every message; subject, html and text are rendered per recipient like the body",
      ),
    metadata: metadata.optional(),
    status: z.enum(["draft", "queued"]).optional().describe("draft (default) or queued to start sending at once"),
  })
  .refine((b) => (b.template_id === undefined) !== (b.message_body === undefined), {
    error: "send either template_id or message_body",
    path: ["template_id"],
  })
  .meta({
    examples: [
      {
        name: "March newsletter",
        channel_id: "3f1c6a52-8a0e-4b7e-9c41-2d5b8e7f9a10",
        template_id: "7b2e9d14-5c3a-4f6b-8e2d-1a9c0b4d6e21",
        contact_group_ids: ["c4d8e2f1-6b3a-4e9c-a1d5-7f2b0e8c3d94"],
        status: "queued",
      },
    ],
  });

export const groupMessageUpdate = nonEmpty(
  z
    .strictObject({
      name: z.string().max(255).nullable().optional(),
      template_id: uuid.optional(),
      message_body: body.optional(),
      contact_group_ids: groupIds.optional(),
      custom_values: values.optional(),
      channel_options: channelOptions.optional().describe("Replaces the options"),
      metadata: metadata.optional(),
      status: z
        .enum(["queued", "paused", "cancelled"], {
          error: "clients may set status to queued (start or resume), paused or cancelled",
        })
        .optional(),
    })
    .refine((b) => b.template_id === undefined || b.message_body === undefined, {
      error: "send either template_id or message_body, not both",
      path: ["template_id"],
    }),
);

export const groupMessageOut = z
  .object({
    ...sendDefinitionOut,
    status: z.enum(GROUP_MESSAGE_STATUSES),
    contact_group_ids: z.array(z.uuid()),
    total_recipients: z.number().int(),
    sent_count: z.number().int(),
    delivered_count: z.number().int(),
    failed_count: z.number().int(),
    skipped_count: z.number().int(),
    queued_count: z.number().int().describe("Messages still waiting for a provider (queued or sending)"),
    read_count: z.number().int(),
    cancelled_count: z.number().int().describe("Messages cancelled before a provider had them"),
    skipped_reasons: z
      .record(z.string(), z.number().int())
      .describe(
        "skipped_count by reason: no_address, duplicate_address, missing_variables, rendered_too_long, opted_out, suppressed_bounce, suppressed",
      ),
    failure_reason: z.string().nullable(),
    scheduled_message_id: z.uuid().nullable(),
    custom_values: z.record(z.string(), z.string()),
    channel_options: channelOptions,
    metadata: z.record(z.string(), z.unknown()),
    queued_at: tsOutNullable,
    started_at: tsOutNullable,
    completed_at: tsOutNullable,
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "GroupMessage" });

export function groupMessageJson(r: GroupMessageRow): z.infer<typeof groupMessageOut> {
  return {
    ...sendDefinitionJson(r),
    status: r.status as z.infer<typeof groupMessageOut>["status"],
    contact_group_ids: r.contactGroupIds,
    total_recipients: r.totalRecipients,
    sent_count: r.sentCount,
    delivered_count: r.deliveredCount,
    failed_count: r.failedCount,
    skipped_count: r.skippedCount,
    queued_count: r.queuedCount,
    read_count: r.readCount,
    cancelled_count: r.cancelledCount,
    skipped_reasons: r.skippedReasons,
    failure_reason: r.failureReason,
    scheduled_message_id: r.scheduledMessageId,
    custom_values: r.customValues,
    channel_options: r.channelOptions,
    metadata: r.metadata,
    queued_at: isoOrNull(r.queuedAt),
    started_at: isoOrNull(r.startedAt),
    completed_at: isoOrNull(r.completedAt),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}
