/**
 * How a failed exchange with an HTTP provider becomes a SendError (error status, network failure,
 * Retry-After): one rule for every HTTP adapter, with each provider's own codes passed in as data.
 */

import { SendError } from "../../core/dispatch/send-error.js";

export interface HttpFailure {
  status: number;
  /** The provider's error code from the response body, as a string. */
  providerCode?: string | null;
  message: string;
  /** Retry-After header value or a body field converted to milliseconds. */
  retryAfterMs?: number | null;
}

export interface ClassifyRules {
  /** Provider codes that mean "slow down" even when the HTTP status is not 429. */
  throttlingCodes?: ReadonlySet<string>;
  /** Provider codes that mean the recipient opted out / blocked us. */
  optOutCodes?: ReadonlySet<string>;
  /** Provider codes that mean "try again later" despite a 4xx status. */
  retryableCodes?: ReadonlySet<string>;
  /** Codes that name our own stable error code, e.g. 21211 → invalid_recipient. */
  codeNames?: ReadonlyMap<string, string>;
}

/**
 * The one rule for HTTP providers: 5xx → retryable, 429 or a provider throttling code →
 * throttled, everything else the provider rejected → permanent.
 */
export function classifyHttpFailure(failure: HttpFailure, rules: ClassifyRules = {}): SendError {
  const code = failure.providerCode ?? null;
  const named = code ? rules.codeNames?.get(code) : undefined;
  const base = {
    providerCode: code,
    message: failure.message,
    status: failure.status,
    retryAfterMs: failure.retryAfterMs ?? null,
  };
  if (failure.status === 429 || (code && rules.throttlingCodes?.has(code))) {
    return new SendError({ ...base, kind: "throttled", code: named ?? "provider_throttled" });
  }
  if (code && rules.optOutCodes?.has(code)) {
    return new SendError({ ...base, kind: "permanent", code: named ?? "recipient_opted_out", optOut: true });
  }
  if (failure.status >= 500 || (code && rules.retryableCodes?.has(code))) {
    return new SendError({ ...base, kind: "retryable", code: named ?? "provider_unavailable" });
  }
  if (failure.status === 401 || failure.status === 403) {
    return new SendError({ ...base, kind: "permanent", code: named ?? "provider_auth_failed" });
  }
  return new SendError({ ...base, kind: "permanent", code: named ?? "provider_rejected" });
}

/** Failures before a connection existed: the request never left, so a retry cannot duplicate it. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Connection refused, reset, timeout, DNS: the request may not have arrived, so try again. Past
 * the connect (a reset, a timeout waiting for the answer) the provider may have accepted it: the
 * outcome is unknown and a retry may duplicate it.
 */
export function networkFailure(err: unknown, scrub: (text: string) => string = (t) => t): SendError {
  const cause = err as { code?: string; message?: string };
  return new SendError({
    kind: "retryable",
    code: "provider_unreachable",
    outcomeUnknown: !NOT_CONNECTED.has(cause.code ?? ""),
    // Some client errors quote the request path, which can hold a token: scrub before keeping it.
    message: scrub(`network error: ${cause.code ?? ""} ${cause.message ?? ""}`.trim()),
    providerCode: cause.code ?? null,
  });
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
