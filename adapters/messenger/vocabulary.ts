/**
 * Send API error codes. Docs: https://developers.facebook.com/docs/messenger-platform/error-codes
 * and Graph rate limiting: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
 */

/** App (4), user (17), page (32), custom (613) and Messenger (80006) rate limits. */
export const THROTTLING_CODES = new Set(["4", "17", "32", "613", "80006"]);
export const RETRYABLE_CODES = new Set(["1", "2", "1200"]);

export const CODE_NAMES = new Map([
  ["551", "recipient_unavailable"], // "This person isn't available right now"
  ["190", "provider_auth_failed"],
  ["10", "outside_care_window"], // permission denied: message sent outside the allowed window (subcode 2018278)
  ["100", "invalid_recipient"], // no matching user found (subcode 2018001)
]);

/** messaging_type values. Docs: https://developers.facebook.com/docs/messenger-platform/send-messages#messaging_types */
export const MESSAGING_TYPES = ["RESPONSE", "UPDATE", "MESSAGE_TAG"] as const;

export const ATTACHMENT_TYPES = new Map([
  ["image", "image"],
  ["video", "video"],
  ["audio", "audio"],
  ["file", "document"],
  ["location", "location"],
] as const);
