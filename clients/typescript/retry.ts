/**
 * When to try a request again and how long to wait first. A 429 or 503 from the API means the
 * request was not carried out (rate limit, an unreachable identity provider or provider, a query
 * timeout), so any call may repeat it, after the server's Retry-After when it names one. A
 * network error leaves the outcome unknown, so only a call that is safe to repeat retries it:
 * a read, a PUT or DELETE, or a POST with an Idempotency-Key to an operation that honours it
 * (the API replays the first answer instead of creating twice).
 */

import { IDEMPOTENT_POSTS } from "./idempotent-posts.js";

export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** Path templates as patterns; matched at the end of the URL's path, so a base URL may carry a prefix. */
const KEYED_POSTS = IDEMPOTENT_POSTS.map((t) => new RegExp(`${t.replace(/\{[^}]+\}/g, "[^/]+")}/?$`));

/** A POST to an operation that stores its answer under an Idempotency-Key. */
export const honoursIdempotencyKey = (method: string, url: string): boolean =>
  method.toUpperCase() === "POST" && KEYED_POSTS.some((re) => re.test(new URL(url).pathname));

export const isRepeatable = (method: string, url: string, headers: Headers): boolean =>
  IDEMPOTENT_METHODS.has(method.toUpperCase()) ||
  (headers.has("idempotency-key") && honoursIdempotencyKey(method, url));

/**
 * Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110), never negative; undefined
 * when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its weekday and month; anything else (e.g. "-3") is no date, whatever Date.parse makes of it.
  const at = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryPolicy {
  /** Further attempts after the first one. */
  retries: number;
  /** The longest wait, whatever Retry-After asks (a server asking for longer is retried at the cap). */
  maxDelayMs: number;
  /** First wait without Retry-After; it doubles per attempt, with jitter. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, maxDelayMs: 30_000, baseDelayMs: 250 };

/** The wait before attempt `attempt + 1` (attempt counts from 1): Retry-After, else exponential backoff. */
export function delayBefore(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: number | undefined,
  random = Math.random,
): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (0.5 + random() / 2);
  return Math.min(policy.maxDelayMs, retryAfter ?? backoff);
}
