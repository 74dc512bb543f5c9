/**
 * Vonage's statuses and error codes as data, with their documentation links: send-response
 * statuses and delivery-receipt statuses and error codes, mapped to ours.
 */

import type { DeliveryStatus } from "../../core/messages/vocabulary.js";
import type { SendErrorKind } from "../../core/dispatch/send-error.js";

/**
 * `status` of each entry in the send response's messages[] ("0" is success).
 * Docs: https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms#sms-api-error-codes
 */
export const SEND_STATUS: ReadonlyMap<string, { kind: SendErrorKind; code: string; optOut?: boolean }> = new Map([
  ["1", { kind: "throttled", code: "provider_throttled" }], // Throttled
  ["2", { kind: "permanent", code: "provider_rejected" }], // Missing Parameters
  ["3", { kind: "permanent", code: "provider_rejected" }], // Invalid Parameters
  ["4", { kind: "permanent", code: "provider_auth_failed" }], // Invalid Credentials
  ["5", { kind: "retryable", code: "provider_unavailable" }], // Internal Error
  ["6", { kind: "permanent", code: "invalid_content" }], // Invalid Message
  ["7", { kind: "permanent", code: "recipient_opted_out", optOut: true }], // Number Barred
  ["8", { kind: "permanent", code: "provider_auth_failed" }], // Partner Account Barred
  ["9", { kind: "permanent", code: "insufficient_balance" }], // Partner Quota Violation
  ["10", { kind: "throttled", code: "provider_throttled" }], // Too Many Existing Binds
  ["11", { kind: "permanent", code: "provider_rejected" }], // Account Not Enabled For HTTP
  ["12", { kind: "permanent", code: "invalid_content" }], // Message Too Long
  ["14", { kind: "permanent", code: "provider_auth_failed" }], // Invalid Signature
  ["15", { kind: "permanent", code: "invalid_sender" }], // Invalid Sender Address
  ["22", { kind: "permanent", code: "invalid_recipient" }], // Invalid Network Code
  ["23", { kind: "permanent", code: "provider_rejected" }], // Invalid Callback Url
  ["29", { kind: "permanent", code: "invalid_recipient" }], // Non-Whitelisted Destination
  ["32", { kind: "permanent", code: "provider_auth_failed" }], // Signature And API Secret Disallowed
  ["33", { kind: "permanent", code: "invalid_recipient" }], // Number De-activated
]);

/**
 * Delivery receipt `status`. Docs: https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts
 * "unknown" carries no news and is not turned into an update.
 */
export const DLR_STATUS_MAP = new Map<string, DeliveryStatus>([
  ["accepted", "sent"],
  ["buffered", "sent"],
  ["delivered", "delivered"],
  ["expired", "failed"],
  ["failed", "failed"],
  ["rejected", "failed"],
]);

/** DLR err-code 4 is "call barred by user"; 6 is an anti-spam rejection, not an opt-out. */
export const DLR_OPT_OUT_CODES = new Set(["4"]);
export const DLR_ERROR_NAMES = new Map([
  ["1", "Unknown"],
  ["2", "Absent Subscriber - Temporary"],
  ["3", "Absent Subscriber - Permanent"],
  ["4", "Call Barred by User"],
  ["5", "Portability Error"],
  ["6", "Anti-Spam Rejection"],
  ["7", "Handset Busy"],
  ["8", "Network Error"],
  ["9", "Illegal Number"],
  ["10", "Illegal Message"],
  ["11", "Unroutable"],
  ["12", "Destination Unreachable"],
  ["13", "Subscriber Age Restriction"],
  ["14", "Number Blocked by Carrier"],
  ["15", "Prepaid Insufficient Funds"],
  ["99", "General Error"],
]);
