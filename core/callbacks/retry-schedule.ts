/**
 * When a failed callback is tried again: exponential backoff (5 s, 10 s, 20 s … capped at one
 * hour) with full jitter in the upper half of each step, so endpoints that failed together do not
 * come back in waves. Past the retry period (24 h by default, counted from the first attempt) the
 * delivery is given up and the endpoint disabled.
 */

export const CALLBACK_BASE_DELAY_MS = 5_000;
export const CALLBACK_MAX_DELAY_MS = 3_600_000;

export type RetryDecision = { retryAt: Date } | { giveUp: true };

export function nextCallbackAttempt(opts: {
  /** Attempts made so far, this one included (1 after the first failure). */
  attempts: number;
  firstAttemptAt: Date;
  now: Date;
  retryPeriodMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}): RetryDecision {
  const base = opts.baseDelayMs ?? CALLBACK_BASE_DELAY_MS;
  const max = opts.maxDelayMs ?? CALLBACK_MAX_DELAY_MS;
  const step = Math.min(max, base * 2 ** Math.min(30, Math.max(0, opts.attempts - 1)));
  const delay = Math.round(step / 2 + (opts.random ?? Math.random)() * (step / 2));
  const deadline = opts.firstAttemptAt.getTime() + opts.retryPeriodMs;
  if (opts.now.getTime() >= deadline) return { giveUp: true };
  // The last try lands on the deadline rather than past it, so a short period still gets one.
  return { retryAt: new Date(Math.min(opts.now.getTime() + delay, deadline)) };
}
