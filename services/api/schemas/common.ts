/** Building blocks shared by the request and response schemas. */

import { z } from "zod";
import { ChannelOptions } from "../../../core/messages/channel-options.js";

export const uuid = z.uuid({ error: "must be a UUID" });
export const text = (max: number) => z.string().max(max, { error: `at most ${max} characters` });
export const name = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(255, { error: "at most 255 characters" });
/** Free-form JSON object; keys are bounded so they stay readable as template variables. */
export const metadata = z.record(z.string().max(100), z.unknown()).describe("Free-form JSON object");
/**
 * Options of the channel's type, flat: e-mail subject/html/text/reply_to/headers, WhatsApp
 * template/outside_window_template/preview_url, Telegram parse_mode/inline_buttons, Messenger
 * messaging_type/tag. Checked against the channel's type once the channel is known.
 */
export const channelOptions = ChannelOptions;

/** Most entries a map of values or of contact metadata may hold. */
export const MAX_ENTRIES = 100;
/** Longest text a value may have: the same as one column of a CSV import. */
export const MAX_VALUE_LENGTH = 1000;

const fewEntries = (v: Record<string, unknown>) => Object.keys(v).length <= MAX_ENTRIES;

/** Template variable values: NAME → text. */
export const values = z
  .record(z.string().min(1).max(64), z.string().max(MAX_VALUE_LENGTH))
  .refine(fewEntries, { error: `at most ${MAX_ENTRIES} values` });

/**
 * A contact's extra fields: each becomes a template variable, so they are held to what a value
 * may be (at most 100, text of at most 1,000 characters); nested values are kept but never rendered.
 */
export const contactMetadata = z
  .record(z.string().max(100), z.unknown())
  .superRefine((v, ctx) => {
    if (!fewEntries(v)) ctx.addIssue({ code: "custom", message: `at most ${MAX_ENTRIES} fields` });
    for (const [k, value] of Object.entries(v))
      if (typeof value === "string" && value.length > MAX_VALUE_LENGTH)
        ctx.addIssue({ code: "custom", path: [k], message: `at most ${MAX_VALUE_LENGTH} characters` });
  })
  .describe("Free-form JSON object");
export const isoDate = z.iso.datetime({
  offset: true,
  error: "must be an ISO 8601 date-time with a time zone (e.g. 2026-03-01T09:00:00Z)",
});
export const accountId = uuid.optional().describe("Account the row belongs to; defaults to the caller's only account");

/** Response timestamps are ISO 8601 strings in UTC. */
export const tsOut = z.string().describe("ISO 8601 date-time");
export const tsOutNullable = tsOut.nullable();
export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The response fields every send definition opens with (group messages and scheduled messages):
 * which account, what it is called, the channel, and the content as a template or an ad-hoc body.
 */
export const sendDefinitionOut = {
  id: z.uuid(),
  account_id: z.uuid(),
  name: z.string().nullable(),
  channel_id: z.uuid(),
  template_id: z.uuid().nullable(),
  message_body: z.string().nullable(),
};

export function sendDefinitionJson(r: {
  id: string;
  accountId: string;
  name: string | null;
  channelId: string;
  templateId: string | null;
  messageBody: string | null;
}) {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    channel_id: r.channelId,
    template_id: r.templateId,
    message_body: r.messageBody,
  };
}

export const errorSchema = z
  .object({
    detail: z.string(),
    code: z.string(),
    field: z.string().optional().describe("The request field the error is about"),
    errors: z.array(z.object({ field: z.string(), detail: z.string() })).optional(),
  })
  .meta({ id: "Error" });

export const errorResponses = {
  400: { description: "Invalid input (the field is named)", schema: errorSchema },
  401: { description: "Missing or invalid credentials", schema: errorSchema },
  403: { description: "The caller's role or account does not allow this", schema: errorSchema },
  429: { description: "Rate limit exceeded; see Retry-After", schema: errorSchema },
} as const;
export const notFoundResponse = {
  404: { description: "No such row in the caller's accounts", schema: errorSchema },
} as const;
export const conflictResponse = {
  409: { description: "Conflicts with the current state", schema: errorSchema },
} as const;

/** An update must change something. */
export function nonEmpty<T extends z.ZodObject>(schema: T) {
  return schema
    .refine((v) => Object.keys(v).length > 0, { error: "nothing to update: send at least one field" })
    .meta({ minProperties: 1 });
}
