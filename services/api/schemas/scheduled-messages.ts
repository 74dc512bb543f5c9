/**
 * Request and response schemas of the scheduled message endpoints (zod): they validate requests and are
 * the schemas of the OpenAPI document.
 */

import { z } from "zod";
import type { ScheduledMessageRow } from "../../../db/schema.js";
import { SCHEDULED_MESSAGE_STATUSES, SEND_TYPES } from "../../../core/messages/lifecycle.js";
import { recurrenceProblem } from "../../../core/schedule/recurrence.js";
import {
  accountId,
  channelOptions,
  iso,
  isoDate,
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

/** Recurrence rules: "daily", "weekly:mon,wed,fri", "monthly:15". */
export const RECURRENCE_RE =
  /^(daily|weekly:(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun)){0,6}|monthly:([1-9]|[12]\d|3[01]))$/;

const timezone = z
  .string()
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: "must be an IANA time zone, e.g. Africa/Addis_Ababa" },
  );
// "daily", "weekly:mon,wed,fri", "monthly:15" (RECURRENCE_RE) or a standard cron expression.
const rule = z
  .string()
  .max(255)
  .superRefine((v, ctx) => {
    const problem = recurrenceProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const groupIds = z.array(uuid).min(1).max(100);
const body = z.string().min(1).max(65_536);

const fields = {
  name: z.string().max(255).nullable().optional(),
  template_id: uuid.optional(),
  message_body: body.optional(),
  delivery_address: z.string().min(1).max(255).optional(),
  contact_id: uuid.optional(),
  contact_group_ids: groupIds.optional(),
  custom_values: values.optional(),
  scheduled_at: isoDate.describe("First trigger time"),
  timezone: timezone.optional(),
  is_recurring: z.boolean().optional(),
  recurrence_rule: rule.optional(),
  recurrence_end_at: isoDate.optional(),
  recurrence_max_count: z.number().int().min(1).max(1_000_000).optional().describe("Stop after this many triggers"),
  channel_options: channelOptions
    .optional()
    .describe(
      "Options of the channel's type for every message it creates; subject, html and text are rendered like the body",
    ),
  metadata: metadata.optional(),
};

export const scheduledCreate = z
  .strictObject({ account_id: accountId, channel_id: uuid, send_type: z.enum(SEND_TYPES), ...fields })
  .superRefine((b, ctx) => {
    if ((b.template_id === undefined) === (b.message_body === undefined))
      ctx.addIssue({ code: "custom", message: "send either template_id or message_body", path: ["template_id"] });
    if (b.send_type === "single") {
      if (!b.delivery_address && !b.contact_id)
        ctx.addIssue({
          code: "custom",
          message: "single sends need delivery_address or contact_id",
          path: ["delivery_address"],
        });
      if (b.contact_group_ids)
        ctx.addIssue({ code: "custom", message: "only group sends take contact groups", path: ["contact_group_ids"] });
    } else {
      if (!b.contact_group_ids)
        ctx.addIssue({ code: "custom", message: "group sends need contact_group_ids", path: ["contact_group_ids"] });
      if (b.delivery_address || b.contact_id)
        ctx.addIssue({
          code: "custom",
          message: "group sends do not take a single recipient",
          path: ["delivery_address"],
        });
    }
    if (b.is_recurring && !b.recurrence_rule)
      ctx.addIssue({
        code: "custom",
        message: "recurring schedules need a recurrence_rule",
        path: ["recurrence_rule"],
      });
    if (!b.is_recurring && b.recurrence_rule)
      ctx.addIssue({ code: "custom", message: "set is_recurring to use a recurrence_rule", path: ["recurrence_rule"] });
    if (b.recurrence_end_at && new Date(b.recurrence_end_at) <= new Date(b.scheduled_at)) {
      ctx.addIssue({ code: "custom", message: "must be after scheduled_at", path: ["recurrence_end_at"] });
    }
  })
  .meta({
    examples: [
      {
        name: "Weekly reminder",
        channel_id: "3f1c6a52-8a0e-4b7e-9c41-2d5b8e7f9a10",
        send_type: "group",
        template_id: "7b2e9d14-5c3a-4f6b-8e2d-1a9c0b4d6e21",
        contact_group_ids: ["c4d8e2f1-6b3a-4e9c-a1d5-7f2b0e8c3d94"],
        scheduled_at: "2026-12-01T09:00:00+03:00",
        timezone: "Africa/Addis_Ababa",
        is_recurring: true,
        recurrence_rule: "weekly:mon",
      },
    ],
  });

export const scheduledUpdate = nonEmpty(
  z.strictObject({
    name: fields.name,
    template_id: fields.template_id,
    message_body: fields.message_body,
    delivery_address: fields.delivery_address,
    contact_group_ids: fields.contact_group_ids,
    custom_values: fields.custom_values,
    scheduled_at: isoDate.optional(),
    timezone: fields.timezone,
    recurrence_rule: rule.nullable().optional(),
    recurrence_end_at: isoDate.nullable().optional(),
    recurrence_max_count: z.number().int().min(1).max(1_000_000).nullable().optional(),
    channel_options: fields.channel_options.describe("Replaces the options"),
    metadata: fields.metadata,
    status: z
      .enum(["pending", "paused", "cancelled"], {
        error: "clients may set status to paused, pending (resume) or cancelled",
      })
      .optional(),
  }),
);

export const scheduledOut = z
  .object({
    ...sendDefinitionOut,
    send_type: z.enum(SEND_TYPES),
    status: z.enum(SCHEDULED_MESSAGE_STATUSES),
    delivery_address: z.string().nullable(),
    contact_id: z.uuid().nullable(),
    contact_group_ids: z.array(z.uuid()),
    custom_values: z.record(z.string(), z.string()),
    scheduled_at: tsOut,
    timezone: z.string(),
    is_recurring: z.boolean(),
    recurrence_rule: z.string().nullable(),
    recurrence_end_at: tsOutNullable,
    recurrence_max_count: z.number().int().nullable(),
    next_trigger_at: tsOutNullable,
    last_triggered_at: tsOutNullable,
    trigger_count: z.number().int(),
    channel_options: channelOptions,
    metadata: z.record(z.string(), z.unknown()),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "ScheduledMessage" });

export function scheduledJson(r: ScheduledMessageRow): z.infer<typeof scheduledOut> {
  return {
    ...sendDefinitionJson(r),
    send_type: r.sendType as z.infer<typeof scheduledOut>["send_type"],
    status: r.status as z.infer<typeof scheduledOut>["status"],
    delivery_address: r.deliveryAddress,
    contact_id: r.contactId,
    contact_group_ids: r.contactGroupIds,
    custom_values: r.customValues,
    scheduled_at: iso(r.scheduledAt),
    timezone: r.timezone,
    is_recurring: r.isRecurring,
    recurrence_rule: r.recurrenceRule,
    recurrence_end_at: isoOrNull(r.recurrenceEndAt),
    recurrence_max_count: r.recurrenceMaxCount,
    next_trigger_at: isoOrNull(r.nextTriggerAt),
    last_triggered_at: isoOrNull(r.lastTriggeredAt),
    trigger_count: r.triggerCount,
    channel_options: r.channelOptions,
    metadata: r.metadata,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}
