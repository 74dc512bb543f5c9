/**
 * Cloud API error codes that change how we treat a failure.
 * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */

/** Rate limits: app (4), WABA (80007), throughput (130429), spam (131048), pair rate (131056). */
export const THROTTLING_CODES = new Set(["4", "80007", "130429", "131048", "131056"]);

/** Temporary platform trouble: unknown (1), service (2), something went wrong (131000), unavailable (131016). */
export const RETRYABLE_CODES = new Set(["1", "2", "131000", "131016"]);

/** The user stopped marketing messages from this business. */
export const OPT_OUT_CODES = new Set(["131050"]);

/** Re-engagement message: more than 24 hours since the customer last replied. */
export const OUTSIDE_CARE_WINDOW = "outside_care_window";

export const CODE_NAMES = new Map([
  ["131047", OUTSIDE_CARE_WINDOW],
  ["131026", "recipient_undeliverable"],
  ["131021", "invalid_recipient"],
  ["132000", "template_param_mismatch"],
  ["132001", "template_not_found"],
  ["190", "provider_auth_failed"],
  ["131050", "recipient_opted_out"],
]);

/**
 * Codes a failed status webhook reports under our own code instead of Meta's number: the care window
 * closing after the send was accepted is the same failure as the adapter refusing before the call,
 * so both read outside_care_window on the message. Other codes stay Meta's numbers.
 */
export const STATUS_CODE_NAMES = new Map([["131047", OUTSIDE_CARE_WINDOW]]);

/** Status values in webhook `statuses[]`. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components#statuses-object */
export const STATUS_MAP = new Map([
  ["sent", "sent"],
  ["delivered", "delivered"],
  ["read", "read"],
  ["failed", "failed"],
] as const);

/** E.164: a country code and subscriber number, at most 15 digits. */
export const E164 = /^\+?[1-9]\d{6,14}$/;

/** Message types with a media object whose caption we keep. */
export const MEDIA_TYPES = new Map([
  ["image", "image"],
  ["video", "video"],
  ["audio", "audio"],
  ["voice", "audio"],
  ["document", "document"],
  ["sticker", "sticker"],
] as const);

/**
 * How long Meta keeps an uploaded media object: 30 days, after which its id no longer sends.
 * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media
 */
export const WHATSAPP_MEDIA_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** One upload of up to 100 MB (a document): 60 s, where a message send has the default 15 s. */
export const MEDIA_UPLOAD_TIMEOUT_MS = 60_000;
