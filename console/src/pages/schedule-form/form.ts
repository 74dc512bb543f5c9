/**
 * The schedule form's values, the checks they pass before anything is sent, and the request they
 * make. The API checks everything again (its rule grammar, time zones, frequency caps, quotas) and
 * names the field it refuses; the form shows that error beside the same field.
 */

import { z } from "zod";
import type { operations } from "../../../../clients/typescript/index.js";

export type ScheduleRequest = operations["createScheduledMessage"]["requestBody"]["content"]["application/json"];

export interface ScheduleValues {
  name: string;
  channelId: string;
  /** One address, or the members of contact groups. */
  sendType: "single" | "group";
  address: string;
  groupIds: string[];
  /** Empty: the text in `body` is sent instead of a template. */
  templateId: string;
  body: string;
  /** A local date and time (the datetime-local input's value), read in the browser's time zone. */
  at: string;
  recurring: boolean;
  rule: string;
  timezone: string;
  /** Empty: no limit on the number of sends. */
  maxCount: string;
}

export function emptyValues(): ScheduleValues {
  return {
    name: "",
    channelId: "",
    sendType: "single",
    address: "",
    groupIds: [],
    templateId: "",
    body: "",
    at: "",
    recurring: false,
    rule: "",
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    maxCount: "",
  };
}

/** Errors by the API's field name. */
export type FieldErrors = Partial<Record<string, string>>;

const maxCount = z.coerce
  .number({ error: "a number of sends" })
  .int({ error: "a whole number" })
  .min(1, { error: "at least 1" })
  .max(1_000_000, { error: "at most 1000000" });

const values = z
  .object({
    name: z.string().max(255, { error: "at most 255 characters" }),
    channelId: z.string().min(1, { error: "choose the channel to send on" }),
    sendType: z.enum(["single", "group"]),
    address: z.string().trim(),
    groupIds: z.array(z.string()),
    templateId: z.string(),
    body: z.string(),
    at: z.string().min(1, { error: "choose when it first sends" }),
    recurring: z.boolean(),
    rule: z.string().trim(),
    timezone: z.string().trim(),
    maxCount: z.string().trim(),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.sendType === "single" && !v.address) issue("address", "enter the address to send to");
    if (v.sendType === "group" && v.groupIds.length === 0) issue("groupIds", "choose at least one group");
    if (!v.templateId && !v.body.trim()) issue("body", "write a message or choose a template");
    if (v.at && Number.isNaN(new Date(v.at).getTime())) issue("at", "not a date and time");
    if (v.recurring && !v.rule) issue("rule", "enter how it repeats");
    if (v.recurring && !v.timezone) issue("timezone", "enter the time zone the rule follows");
    if (v.recurring && v.maxCount && !maxCount.safeParse(v.maxCount).success)
      issue("maxCount", maxCount.safeParse(v.maxCount).error!.issues[0]!.message);
  });

/** The API's name for each form field, so its errors and the form's land in the same place. */
const API_FIELD: Record<keyof ScheduleValues, string> = {
  name: "name",
  channelId: "channel_id",
  sendType: "send_type",
  address: "delivery_address",
  groupIds: "contact_group_ids",
  templateId: "template_id",
  body: "message_body",
  at: "scheduled_at",
  recurring: "is_recurring",
  rule: "recurrence_rule",
  timezone: "timezone",
  maxCount: "recurrence_max_count",
};

/** The request the values make, or the errors (by API field) that keep them from being sent. */
export function toRequest(v: ScheduleValues): { request: ScheduleRequest } | { errors: FieldErrors } {
  const parsed = values.safeParse(v);
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const i of parsed.error.issues) {
      const field = API_FIELD[i.path[0] as keyof ScheduleValues];
      errors[field] ??= i.message;
    }
    return { errors };
  }
  const d = parsed.data;
  return {
    request: {
      ...(d.name.trim() ? { name: d.name.trim() } : {}),
      channel_id: d.channelId,
      send_type: d.sendType,
      ...(d.sendType === "single" ? { delivery_address: d.address } : { contact_group_ids: d.groupIds }),
      ...(d.templateId ? { template_id: d.templateId } : { message_body: d.body }),
      scheduled_at: new Date(d.at).toISOString(),
      ...(d.recurring
        ? {
            is_recurring: true,
            recurrence_rule: d.rule,
            timezone: d.timezone,
            ...(d.maxCount ? { recurrence_max_count: Number(d.maxCount) } : {}),
          }
        : {}),
    },
  };
}
