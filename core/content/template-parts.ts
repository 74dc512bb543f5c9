/**
 * A template's channel parts beside its body: for e-mail a subject, an HTML part and a text part;
 * for WhatsApp a mapping to a template Meta approved (its name and language, and which of our
 * variables fill which component parameters, in order), sent when the customer-care window is
 * closed. The body stays the text every channel type can send.
 */

import { z } from "zod";
import {
  WHATSAPP_BUTTON_SUB_TYPES,
  WHATSAPP_COMPONENT_TYPES,
  buttonNeedsPlace,
  whatsappLanguage,
  whatsappTemplateName,
} from "../messages/channel-options.js";
import { extractVariables } from "../templating.js";

export const EmailParts = z.strictObject({
  subject: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(998, { error: "at most 998 characters" })
    .refine((v) => !/[\r\n]/.test(v), { error: "must be a single line" })
    .describe("Subject line with {VARIABLE} placeholders"),
  html: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(262_144, { error: "at most 262144 characters" })
    .optional()
    .describe("HTML part; variable values are HTML-escaped"),
  text: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(65_536, { error: "at most 65536 characters" })
    .optional()
    .describe("Text part; derived from the HTML part when absent, else the body"),
});
export type EmailParts = z.infer<typeof EmailParts>;

const variableName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { error: "a variable name such as FIRST_NAME (no braces)" });

export const WhatsAppMapping = z.strictObject({
  name: whatsappTemplateName.describe("The approved template's name"),
  language: whatsappLanguage.describe("The approved template's language code"),
  components: z
    .array(
      z
        .strictObject({
          type: z.enum(WHATSAPP_COMPONENT_TYPES),
          sub_type: z.enum(WHATSAPP_BUTTON_SUB_TYPES).optional().describe("Buttons only"),
          index: z.number().int().min(0).max(9).optional().describe("Buttons only: the button's position"),
          parameters: z
            .array(variableName)
            .max(100)
            .describe("Our variables, in the order of the component's parameters ({{1}}, {{2}} …)"),
        })
        .refine(buttonNeedsPlace, { error: "button components need sub_type and index", path: ["sub_type"] }),
    )
    .max(20)
    .optional(),
});
export type WhatsAppMapping = z.infer<typeof WhatsAppMapping>;

/** The variables of every part, in order of first use: body, subject, HTML, text, then the mapping. */
export function templateVariables(
  body: string,
  email: EmailParts | null | undefined,
  whatsapp: WhatsAppMapping | null | undefined,
): string[] {
  const mapped = (whatsapp?.components ?? []).flatMap((c) => c.parameters.map((p) => `{${p}}`));
  return extractVariables([body, email?.subject, email?.html, email?.text, ...mapped].filter(Boolean).join("\n"));
}
