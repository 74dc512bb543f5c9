/**
 * The e-mail adapter's vocabulary: the header that ties a notification to its message, and how SMTP
 * replies and nodemailer errors map to SendError kinds.
 */

import type { SendErrorKind } from "../../core/dispatch/send-error.js";

/** The header that carries our message id through any relay, so notifications find the message. */
export const MESSAGE_ID_HEADER = "X-Turumba-Message-Id";

/**
 * SMTP reply codes (RFC 5321 §4.2) and enhanced status codes (RFC 3463). 4xx is transient,
 * 5xx permanent; X.7.x with a 4 class and "rate"/"too many" wording is a sending-rate limit.
 */
export function classifySmtpReply(code: number, text: string): { kind: SendErrorKind; code: string } {
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
  if (code >= 400 && code < 500) {
    const rateLimited = /rate|too many|throttl|try again later/i.test(text) || (enhanced?.[2] === "7" && code !== 421);
    return rateLimited
      ? { kind: "throttled", code: "provider_throttled" }
      : { kind: "retryable", code: "provider_unavailable" };
  }
  if (code === 535 || code === 530 || code === 534) return { kind: "permanent", code: "provider_auth_failed" };
  if (code === 550 || code === 551 || code === 553) {
    // 5.1.x: bad destination mailbox address; 5.7.x: policy (spam, DMARC, blocklist).
    if (enhanced?.[2] === "7") return { kind: "permanent", code: "provider_rejected" };
    return { kind: "permanent", code: "invalid_recipient" };
  }
  if (code === 552) return { kind: "permanent", code: "message_too_large" };
  return { kind: "permanent", code: "provider_rejected" };
}

/** nodemailer error codes for failures before any SMTP reply: all mean "try again". */
export const NETWORK_ERROR_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ECONNREFUSED",
  "ECONNRESET",
]);
