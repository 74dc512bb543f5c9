/**
 * Twilio's statuses and error codes as data, with their documentation links, mapped to our
 * delivery statuses and error codes.
 */

import type { DeliveryStatus } from "../../core/messages/vocabulary.js";

/**
 * MessageStatus values in status callbacks: the statuses of a message we sent. Twilio's other two,
 * receiving and received, belong to inbound messages and are not status updates.
 * Docs: https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
 */
export const STATUS_MAP = new Map<string, DeliveryStatus>([
  ["accepted", "queued"],
  ["scheduled", "queued"],
  ["queued", "queued"],
  ["sending", "queued"],
  ["sent", "sent"],
  ["delivered", "delivered"],
  ["read", "read"],
  ["undelivered", "failed"],
  ["failed", "failed"],
  ["canceled", "failed"],
]);

/**
 * Error codes. Docs: https://www.twilio.com/docs/api/errors
 * 20429 Too Many Requests; 14107 SMS send rate limit exceeded.
 */
export const THROTTLING_CODES = new Set(["20429", "14107"]);
/** 21610: "Attempt to send to unsubscribed recipient" — the handset replied STOP. */
export const OPT_OUT_CODES = new Set(["21610"]);

export const CODE_NAMES = new Map([
  ["21211", "invalid_recipient"], // invalid 'To' phone number
  ["21614", "invalid_recipient"], // 'To' number is not a valid mobile number
  ["21408", "region_not_enabled"], // permission to send an SMS has not been enabled for the region
  ["21606", "invalid_sender"], // 'From' number is not a valid, SMS-capable number for this account
  ["20003", "provider_auth_failed"], // authentication error
  ["30003", "recipient_unreachable"],
  ["30005", "recipient_unknown"],
  ["30006", "recipient_landline"],
  ["30007", "carrier_filtered"],
]);
