/**
 * Channel options: what a send says beyond its text, per channel type. Declared once for the REST
 * layer (validation and the OpenAPI document), the stores that create messages (single sends,
 * campaign fan-out, schedule triggers) and the adapters, which find them in the dispatch payload.
 *   email      subject; html and text parts; reply_to; extra headers; is_html (the body is HTML)
 *   whatsapp   template: an approved Meta template (name, language, parameters per component),
 *              always sent instead of the text; outside_window_template: sent instead of the
 *              text only when the 24-hour customer-care window is closed; preview_url
 *   telegram   parse_mode, inline_buttons, disable_notification
 *   messenger  messaging_type, tag
 *   sms        attachments (MMS where the provider sends it, else links per the channel's media_fallback)
 *   smpp       attachments only as links (the channel's media_fallback is link)
 * Every type takes `attachments` (core/media/attachments.ts).
 * Clients send them as `channel_options`. Older clients put the same keys in `metadata`; those are
 * still read (legacyOptions), and an explicit option wins over its metadata twin.
 */

import { z } from "zod";
import { AttachmentInput } from "../media/attachments.js";
import type { ChannelType } from "./vocabulary.js";

/** Telegram Bot API parse modes. Docs: https://core.telegram.org/bots/api#formatting-options */
export const TELEGRAM_PARSE_MODES = ["MarkdownV2", "HTML", "Markdown"] as const;
/** Docs: https://developers.facebook.com/docs/messenger-platform/send-messages#messaging_types */
export const MESSENGER_MESSAGING_TYPES = ["RESPONSE", "UPDATE", "MESSAGE_TAG"] as const;
/** Docs: https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags */
export const MESSENGER_TAGS = [
  "CONFIRMED_EVENT_UPDATE",
  "POST_PURCHASE_UPDATE",
  "ACCOUNT_UPDATE",
  "HUMAN_AGENT",
] as const;

const oneLine = (max: number) =>
  z
    .string()
    .max(max, { error: `at most ${max} characters` })
    .refine((v) => !/[\r\n]/.test(v), { error: "must be a single line" });

/** Headers the mail itself sets; a send may add others (X-Campaign …) but not replace these. */
const RESERVED_HEADERS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "reply-to",
  "sender",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "return-path",
]);
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,75}$/;

const emailShape = {
  subject: oneLine(998).optional().describe("E-mail only: the Subject line"),
  html: z
    .string()
    .max(262_144, { error: "at most 262144 characters" })
    .optional()
    .describe("E-mail only: the HTML part; message_body is the text part (derived from this HTML when empty)"),
  text: z
    .string()
    .max(65_536, { error: "at most 65536 characters" })
    .optional()
    .describe("E-mail only: the plain-text part, when it is not message_body"),
  reply_to: z.email({ error: "must be an e-mail address" }).max(255).optional().describe("E-mail only: Reply-To"),
  headers: z
    .record(z.string(), oneLine(998))
    .superRefine((h, ctx) => {
      const names = Object.keys(h);
      if (names.length > 20) ctx.addIssue({ code: "custom", message: "at most 20 headers" });
      for (const name of names) {
        if (!HEADER_NAME.test(name))
          ctx.addIssue({ code: "custom", message: "a header name such as X-Campaign", path: [name] });
        else if (RESERVED_HEADERS.has(name.toLowerCase()))
          ctx.addIssue({ code: "custom", message: "this header is set by the platform", path: [name] });
      }
    })
    .optional()
    .describe("E-mail only: extra headers, e.g. X-Campaign"),
  is_html: z.boolean().optional().describe("E-mail only: message_body itself is HTML (its text part is derived)"),
};

const waParameter = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string().min(1).max(32_768) }),
  z.looseObject({ type: z.literal("payload"), payload: z.string().min(1).max(256) }),
  z.looseObject({
    type: z.enum(["currency", "date_time", "image", "document", "video", "location", "action", "coupon_code"]),
  }),
]);

export const WHATSAPP_COMPONENT_TYPES = ["header", "body", "button"] as const;
export const WHATSAPP_BUTTON_SUB_TYPES = ["quick_reply", "url", "copy_code", "flow"] as const;
const waButtonPlace = {
  sub_type: z.enum(WHATSAPP_BUTTON_SUB_TYPES).optional().describe("Buttons only"),
  index: z
    .union([z.number().int().min(0).max(9), z.string().regex(/^\d$/)])
    .optional()
    .describe("Buttons only: the button's position, 0-9"),
};
/** A button component must say which button it fills. */
export const buttonNeedsPlace = (c: { type: string; sub_type?: string; index?: unknown }) =>
  c.type !== "button" || (c.sub_type !== undefined && c.index !== undefined);

/** Meta's template name and language code rules. Docs: https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates */
export const whatsappTemplateName = z
  .string()
  .regex(/^[a-z0-9_]{1,512}$/, { error: "lowercase letters, digits and underscores, as approved by Meta" });
export const whatsappLanguage = z
  .string()
  .regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, { error: "a language code such as en or en_US" });

const waComponent = z
  .strictObject({
    type: z.enum(WHATSAPP_COMPONENT_TYPES),
    ...waButtonPlace,
    parameters: z.array(waParameter).max(100),
  })
  .refine(buttonNeedsPlace, { error: "button components need sub_type and index", path: ["sub_type"] });

/** An approved template as the Cloud API's send call takes it. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates */
export const WhatsAppTemplate = z.strictObject({
  name: whatsappTemplateName,
  language: whatsappLanguage,
  components: z.array(waComponent).max(20).optional().describe("Parameters per component, in order"),
});
export type WhatsAppTemplate = z.infer<typeof WhatsAppTemplate>;

const whatsappShape = {
  template: WhatsAppTemplate.optional().describe("WhatsApp only: send this approved template instead of the text"),
  outside_window_template: WhatsAppTemplate.optional().describe(
    "WhatsApp only: send this approved template instead of the text when the 24-hour customer-care window is closed",
  ),
  preview_url: z.boolean().optional().describe("WhatsApp only: show a preview of the first link in the text"),
};

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
const buttonText = z.string().min(1).max(64);
const inlineButton = z.union([
  z.strictObject({ text: buttonText, url: z.url({ error: "must be a URL" }).max(2048) }),
  z.strictObject({
    text: buttonText,
    callback_data: z
      .string()
      .min(1)
      .refine((v) => utf8Bytes(v) <= 64, { error: "at most 64 bytes" }),
  }),
]);

/** Telegram allows 8 buttons in a row and 100 in a keyboard. Docs: https://core.telegram.org/bots/api#inlinekeyboardmarkup */
const telegramShape = {
  parse_mode: z.enum(TELEGRAM_PARSE_MODES).optional().describe("Telegram only: how the text is formatted"),
  inline_buttons: z
    .array(z.array(inlineButton).min(1).max(8, { error: "at most 8 buttons in a row" }))
    .min(1)
    .refine((rows) => rows.flat().length <= 100, { error: "at most 100 buttons" })
    .optional()
    .describe("Telegram only: rows of buttons under the message, each with a url or callback_data"),
  disable_notification: z.boolean().optional().describe("Telegram only: deliver silently"),
};

const messengerShape = {
  messaging_type: z
    .enum(MESSENGER_MESSAGING_TYPES)
    .optional()
    .describe("Messenger only: RESPONSE (default), UPDATE or MESSAGE_TAG"),
  tag: z.enum(MESSENGER_TAGS).optional().describe("Messenger only: the message tag, with messaging_type MESSAGE_TAG"),
};

const taggedNeedsTag = (o: { messaging_type?: string; tag?: string }) =>
  o.messaging_type !== "MESSAGE_TAG" || o.tag !== undefined;

/** A Telegram album (sendMediaGroup) takes no reply markup: inline buttons go with one attachment at most. */
const albumHasNoButtons = (o: { inline_buttons?: unknown; attachments?: unknown[] }) =>
  o.inline_buttons === undefined || (o.attachments?.length ?? 0) <= 1;

/**
 * Media sent with the message, its text the caption. How many one message carries follows the
 * provider: one media object per WhatsApp or Messenger message; up to 10 for a Telegram album
 * (https://core.telegram.org/bots/api#sendmediagroup) and for MMS
 * (https://www.twilio.com/docs/messaging/api/message-resource#request-body-parameters, MediaUrl)
 * and, by our own cap, for e-mail. SMPP carries text only: its attachments travel as links.
 */
const attachments = (max: number) =>
  z
    .array(AttachmentInput)
    .min(1)
    .max(max, { error: `at most ${max} attachment${max > 1 ? "s" : ""} per message on this channel type` })
    .optional()
    .describe(
      "WhatsApp and Messenger (one), Telegram (up to 10, an album), SMS/MMS and e-mail (up to 10): media ids from POST /v1/media or HTTPS URLs; the text is the caption",
    );

/** Every option by channel type: the keys a message on that type may carry. */
const SHAPES: Record<ChannelType, Record<string, z.ZodType>> = {
  email: { ...emailShape, attachments: attachments(10) },
  whatsapp: { ...whatsappShape, attachments: attachments(1) },
  telegram: { ...telegramShape, attachments: attachments(10) },
  messenger: { ...messengerShape, attachments: attachments(1) },
  sms: { attachments: attachments(10) },
  // Text only: attachments go as links where the channel's media_fallback is link.
  smpp: { attachments: attachments(10) },
};

/**
 * All options in one object, each described with the channel type it belongs to: the request
 * field `channel_options` and the dispatch payload's `options`. Which keys a message may carry
 * depends on its channel's type (optionsSchemaFor).
 */
export const ChannelOptions = z
  .strictObject({
    ...emailShape,
    ...whatsappShape,
    ...telegramShape,
    ...messengerShape,
    attachments: attachments(10),
  })
  .describe(
    "Options of the channel's type: e-mail, WhatsApp, Telegram or Messenger; attachments on every type (on SMPP as links, where the channel's media_fallback is link)",
  );
export type ChannelOptions = z.infer<typeof ChannelOptions>;

const SCHEMAS = Object.fromEntries(
  Object.entries(SHAPES).map(([type, shape]) => [
    type,
    z
      .strictObject(shape)
      .refine(taggedNeedsTag, { error: "messaging_type MESSAGE_TAG needs a tag", path: ["tag"] })
      .refine(albumHasNoButtons, {
        error: "inline_buttons go with at most one attachment (a Telegram album takes no buttons)",
        path: ["inline_buttons"],
      }),
  ]),
) as unknown as Record<ChannelType, z.ZodType<ChannelOptions>>;

/** The options a message on this channel type may carry; other keys are refused. */
export function optionsSchemaFor(channelType: ChannelType): z.ZodType<ChannelOptions> {
  return SCHEMAS[channelType];
}

/** True when `key` is an option of this channel type. */
export function isOptionOf(channelType: ChannelType, key: string): boolean {
  return Object.hasOwn(SHAPES[channelType], key);
}

/** The metadata keys older clients used for options, by channel type. */
const LEGACY_KEYS: Record<ChannelType, readonly string[]> = {
  email: ["subject", "html", "text", "reply_to", "headers", "is_html"],
  whatsapp: ["template", "preview_url"],
  telegram: ["parse_mode", "disable_notification"],
  messenger: ["messaging_type", "tag"],
  sms: [],
  smpp: [],
};

/**
 * The options an older client put in `metadata`, as given (not validated). `metadata.html: true`
 * meant "the body is HTML", which is `is_html` now; a string there is the HTML part.
 */
export function legacyOptions(channelType: ChannelType, metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of LEGACY_KEYS[channelType]) {
    const value = metadata[key];
    if (value === undefined || value === null) continue;
    if (key === "html" && typeof value === "boolean") {
      if (value && out.is_html === undefined) out.is_html = true;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Options as the pipeline reads them from a stored send (a group or scheduled message made before
 * options had a field of their own, or since): valid legacy metadata keys, then the stored
 * options over them. An invalid legacy value is left out rather than failing the whole send.
 */
export function effectiveOptions(
  channelType: ChannelType,
  metadata: Record<string, unknown>,
  stored: Record<string, unknown>,
): ChannelOptions {
  const shape = SHAPES[channelType];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(legacyOptions(channelType, metadata))) {
    const one = shape[key]?.safeParse(value);
    if (one?.success) out[key] = one.data;
  }
  for (const [key, value] of Object.entries(stored)) if (Object.hasOwn(shape, key)) out[key] = value;
  if (!taggedNeedsTag(out)) delete out.messaging_type;
  return out;
}
