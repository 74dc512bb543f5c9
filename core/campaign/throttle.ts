/**
 * Fan-out throttling: a campaign keeps at most a few minutes of its
 * channel's capacity waiting in the queue, instead of days of backlog that would hold every
 * later campaign behind it and make cancel and pause expensive. Single sends are not held back
 * by this (they jump the queue by priority); it only decides when the next page may be inserted.
 */

export interface ThrottleInput {
  /** The channel's rate limit, messages per minute. */
  ratePerMinute: number;
  /** Queued messages waiting on the channel now (every sender's, not only this campaign's). */
  backlog: number;
  /** Minutes of capacity allowed to wait in the queue. */
  aheadMinutes: number;
  pageSize: number;
}

export interface ThrottleDecision {
  /** Whether a page may be inserted now. */
  insert: boolean;
  /** Rows allowed to wait in the queue. */
  limit: number;
  /** When holding: how long until the queue has drained to half the limit. */
  waitMs: number;
}

export const MIN_WAIT_MS = 250;
export const MAX_WAIT_MS = 30_000;

export function throttle(i: ThrottleInput): ThrottleDecision {
  // Never below one page: a slow channel still gets whole pages, one at a time.
  const limit = Math.max(i.pageSize, Math.ceil(i.ratePerMinute * i.aheadMinutes));
  if (i.backlog < limit) return { insert: true, limit, waitMs: 0 };
  const drainMs = ((i.backlog - limit / 2) / Math.max(1, i.ratePerMinute)) * 60_000;
  return { insert: false, limit, waitMs: Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, Math.round(drainMs))) };
}
