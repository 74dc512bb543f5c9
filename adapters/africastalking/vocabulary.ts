/**
 * Africa's Talking's codes and statuses as data, with their documentation links: send-response
 * status codes and delivery-report statuses, mapped to our error codes and delivery statuses.
 */

import type { DeliveryStatus } from "../../core/messages/vocabulary.js";

/**
 * Per-recipient statusCode in the send response.
 * Docs: https://developers.africastalking.com/docs/sms/sending/bulk
 */
export const SEND_OK_CODES = new Set([100, 101, 102]); // Processed, Sent, Queued
export const SEND_RETRYABLE_CODES = new Set([500, 501]); // InternalServerError, GatewayError
export const SEND_OPT_OUT_CODES = new Set([406, 409]); // UserInBlacklist, DoNotDisturbRejection
export const SEND_CODE_NAMES = new Map<number, string>([
  [401, "risk_hold"],
  [402, "invalid_sender"],
  [403, "invalid_recipient"],
  [404, "invalid_recipient"], // UnsupportedNumberType
  [405, "insufficient_balance"],
  [406, "recipient_opted_out"],
  [407, "unroutable"],
  [409, "recipient_opted_out"],
  [500, "provider_unavailable"],
  [501, "provider_unavailable"],
  [502, "provider_rejected"], // RejectedByGateway
]);

/**
 * Delivery report `status` values.
 * Docs: https://developers.africastalking.com/docs/sms/notifications
 */
export const DLR_STATUS_MAP = new Map<string, DeliveryStatus>([
  ["Sent", "sent"],
  ["Submitted", "sent"],
  ["Buffered", "sent"],
  ["Success", "delivered"],
  ["Rejected", "failed"],
  ["Failed", "failed"],
  ["AbsentSubscriber", "failed"],
  ["Expired", "failed"],
]);

/** failureReason values that mean the subscriber refuses our messages. */
export const DLR_OPT_OUT_REASONS = new Set(["UserInBlackList", "DoNotDisturbRejection"]);
