/**
 * Request and response schemas of the template endpoints (zod): they validate requests and are the
 * schemas of the OpenAPI document.
 */

import { z } from "zod";
import type { TemplateRow } from "../../../db/schema.js";
import { FALLBACK_STRATEGIES } from "../../../core/messages/lifecycle.js";
import { WhatsAppTemplate } from "../../../core/messages/channel-options.js";
import { EmailParts, WhatsAppMapping } from "../../../core/content/template-parts.js";
import { accountId, contactMetadata, iso, name, nonEmpty, text, tsOut, uuid, values } from "./common.js";

const body = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(65_536, { error: "at most 65536 characters" })
  .describe("Text with {VARIABLE} placeholders");

const email = EmailParts.nullable().describe(
  "E-mail parts, used on e-mail channels: subject, HTML (values HTML-escaped) and text (derived from the HTML when absent)",
);
const whatsapp = WhatsAppMapping.nullable().describe(
  "An approved Meta template and which variables fill its parameters, sent on WhatsApp when the 24-hour customer-care window is closed",
);

export const templateCreate = z
  .strictObject({
    account_id: accountId,
    name,
    body,
    category: text(100).nullable().optional(),
    default_values: values.optional().describe("Value per variable, used by the use_default strategy"),
    fallback_strategy: z
      .enum(FALLBACK_STRATEGIES)
      .optional()
      .describe("What a missing variable becomes: keep the placeholder, use_default value, or skip the recipient"),
    is_active: z.boolean().optional(),
    email: email.optional(),
    whatsapp: whatsapp.optional(),
  })
  .meta({
    examples: [
      {
        name: "welcome",
        body: "Hi {FIRST_NAME}, welcome to {CITY}!",
        fallback_strategy: "use_default",
        default_values: { CITY: "Addis Ababa" },
        email: { subject: "Welcome, {FIRST_NAME}", html: "<p>Hi {FIRST_NAME}, welcome to {CITY}!</p>" },
      },
    ],
  });

export const templateUpdate = nonEmpty(
  z.strictObject({
    name: name.optional(),
    body: body.optional(),
    category: text(100).nullable().optional(),
    default_values: values.optional(),
    fallback_strategy: z.enum(FALLBACK_STRATEGIES).optional(),
    is_active: z.boolean().optional(),
    email: email.optional().describe("Replaces the e-mail parts; null removes them"),
    whatsapp: whatsapp.optional().describe("Replaces the WhatsApp mapping; null removes it"),
  }),
);

export const templateOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    name: z.string(),
    body: z.string(),
    category: z.string().nullable(),
    variables: z.array(z.string()).describe("Extracted from every part on save, in order of first use"),
    default_values: z.record(z.string(), z.string()),
    fallback_strategy: z.enum(FALLBACK_STRATEGIES),
    is_active: z.boolean(),
    email: EmailParts.nullable(),
    whatsapp: WhatsAppMapping.nullable(),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "Template" });

export function templateJson(r: TemplateRow): z.infer<typeof templateOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    body: r.body,
    category: r.category,
    variables: r.variables,
    default_values: r.defaultValues,
    fallback_strategy: r.fallbackStrategy as z.infer<typeof templateOut>["fallback_strategy"],
    is_active: r.isActive,
    email: r.emailParts ?? null,
    whatsapp: r.whatsappTemplate ?? null,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

const inlineContact = z.strictObject({
  name: z.string().max(255).nullable().optional(),
  email: z.string().max(255).nullable().optional(),
  phone: z.string().max(32).nullable().optional(),
  metadata: contactMetadata.optional(),
});

const previewCommon = {
  contact_id: uuid.optional().describe("Render for this contact"),
  contact: inlineContact.optional().describe("…or for these contact fields"),
  custom_values: values.optional(),
};

export const templatePreviewBody = z.strictObject(previewCommon);

export const adhocPreviewBody = z.strictObject({
  body,
  email: email.optional(),
  whatsapp: whatsapp.optional(),
  default_values: values.optional(),
  fallback_strategy: z.enum(FALLBACK_STRATEGIES).optional(),
  ...previewCommon,
});

export const previewOut = z.object({
  rendered: z.string().describe("The body"),
  email: z
    .object({ subject: z.string(), html: z.string().nullable(), text: z.string() })
    .nullable()
    .describe("The e-mail parts, when the template has them"),
  whatsapp: WhatsAppTemplate.nullable().describe(
    "The approved template with its parameters filled, as sent outside the care window, when the template maps one",
  ),
  skipped: z.boolean().describe("True when the skip strategy met a missing variable"),
  variables: z.array(z.string()),
  missing_variables: z.array(z.string()).describe("Missing in any part"),
  defaulted_variables: z.array(z.string()),
  characters: z.number().int(),
  sms: z.object({
    encoding: z.enum(["gsm7", "ucs2"]),
    segments: z.number().int(),
    units: z.number().int().describe("Septets (GSM-7) or UTF-16 code units (UCS-2)"),
    per_segment: z.number().int(),
  }),
});
