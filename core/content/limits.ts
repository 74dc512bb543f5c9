/**
 * How long each part of a message may be once rendered, and how many variables a template may
 * name. Rendering stops at the limit (core/templating.ts), so no request can make the platform
 * build, store or send more than this, whatever the values a template is filled with:
 *   sms, smpp   1,600 characters: the longest body Twilio accepts, about ten concatenated parts
 *               (GSM-7); longer concatenations are not delivered reliably by carriers
 *   telegram    4,096: the Bot API's limit for a message's text
 *   whatsapp    4,096: the Cloud API's limit for a text body; 1,024 per template parameter
 *   messenger   2,000: the Send API's limit for a text message
 *   email       subject 998 (RFC 5322's line limit), HTML and text 256 KB each
 * A preview, which has no channel, is held to the largest of them.
 */

import type { ChannelType } from "../messages/vocabulary.js";

export const EMAIL_SUBJECT_LIMIT = 998;
export const EMAIL_PART_LIMIT = 262_144;
export const WHATSAPP_PARAMETER_LIMIT = 1_024;

export const BODY_LIMITS: Record<ChannelType, number> = {
  sms: 1_600,
  smpp: 1_600,
  telegram: 4_096,
  whatsapp: 4_096,
  messenger: 2_000,
  email: EMAIL_PART_LIMIT,
};

export const PREVIEW_BODY_LIMIT = Math.max(...Object.values(BODY_LIMITS));

/** Distinct variables one template (all its parts) may name. */
export const MAX_TEMPLATE_VARIABLES = 100;

/** Which part went over its limit. */
export interface TooLong {
  part: "body" | "subject" | "html" | "text" | "whatsapp_parameter";
  limit: number;
}

export const TOO_LONG_CODE = "rendered_too_long";

export function tooLongDetail(t: TooLong): string {
  const part = t.part === "whatsapp_parameter" ? "a WhatsApp template parameter" : `the ${t.part}`;
  return `${part} would be longer than ${t.limit} characters once rendered`;
}
