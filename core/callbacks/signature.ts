/**
 * The signature on every callback request: HMAC-SHA256 with the endpoint's secret over
 * `<timestamp>.<body>` (the Unix time in seconds, a dot, the exact body bytes), sent as
 * `Turumba-Signature: t=<timestamp>,v1=<hex digest>`. The timestamp inside the signed text lets a
 * receiver refuse replays older than its tolerance; the `v1=` label lets a scheme change later
 * without breaking receivers of this one.
 */

import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Turumba-Signature";
export const EVENT_ID_HEADER = "Turumba-Event-Id";
export const EVENT_TYPE_HEADER = "Turumba-Event-Type";

/** The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`. */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The header value for a body sent at `timestamp` (Unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signCallback(secret, timestamp, body)}`;
}

/**
 * What a receiver does: parse the header, recompute, compare in constant time, and refuse a
 * timestamp further than `toleranceSeconds` from its own clock.
 */
export function verifyCallbackSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const fields = new Map(
    header.split(",").map((part) => {
      const i = part.indexOf("=");
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get("t"));
  const v1 = fields.get("v1");
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  return timingSafeEqual(Buffer.from(signCallback(secret, t, body), "hex"), Buffer.from(v1, "hex"));
}
