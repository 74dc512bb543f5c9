/**
 * The primitives providers' webhook signature checks are built from: HMAC, MD5, a constant-time
 * comparison, and the signed timestamps some providers include.
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Constant-time string comparison; different lengths compare unequal without early exit on content. */
export function safeEqual(a: string | undefined | null, b: string | undefined | null): boolean {
  if (typeof a !== "string" || typeof b !== "string" || a.length === 0) return false;
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) {
    // Still spend the comparison so timing does not reveal the expected length.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function hmac(algorithm: "sha1" | "sha256" | "sha512" | "md5", key: string, data: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

export function md5Hex(data: string): string {
  return createHash("md5").update(data, "utf8").digest("hex");
}

/**
 * A signed Unix timestamp in seconds as epoch milliseconds: undefined when there is none, null
 * when it is not a plain number of seconds (so the receiver treats it as outside any window).
 */
export function epochSeconds(value: string | undefined): number | null | undefined {
  if (value === undefined || value === "") return undefined;
  return /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) * 1000 : null;
}
