/**
 * Telegram's vocabulary as data: the error phrases a failure is classified by, the parse modes, and the
 * message fields that carry non-text content.
 */

/**
 * Telegram reports failures as {ok:false, error_code, description, parameters}. The description
 * is the only discriminator for 400/403 causes, so we match on its documented phrases.
 * Docs: https://core.telegram.org/bots/api#making-requests and https://core.telegram.org/bots/faq
 */
export const OPT_OUT_PHRASES = [
  "bot was blocked by the user",
  "user is deactivated",
  "bot was kicked",
  "bot can't initiate conversation",
];

export const INVALID_RECIPIENT_PHRASES = ["chat not found", "user not found", "peer_id_invalid"];

export const INVALID_CONTENT_PHRASES = ["can't parse entities", "message is too long", "message text is empty"];

/** Docs: https://core.telegram.org/bots/api#formatting-options */
export const PARSE_MODES = ["MarkdownV2", "HTML", "Markdown"] as const;

/** Message fields that carry non-text content, in the order we report them. Docs: https://core.telegram.org/bots/api#message */
export const NON_TEXT_FIELDS = [
  ["photo", "image"],
  ["video", "video"],
  ["animation", "video"],
  ["voice", "audio"],
  ["audio", "audio"],
  ["document", "document"],
  ["sticker", "sticker"],
  ["location", "location"],
  ["contact", "contact"],
] as const;
