/**
 * Per-channel circuit breaker: after `threshold` consecutive retryable failures the
 * channel is "open" for `openMs`: nothing is sent and messages that allow it fail over to the
 * next channel. Then one trial batch is let through (half-open); a success closes it.
 */

export interface BreakerState {
  consecutiveFailures: number;
  openUntil: number;
}

export interface BreakerConfig {
  threshold: number;
  openMs: number;
}

export const closedBreaker = (): BreakerState => ({ consecutiveFailures: 0, openUntil: 0 });

export function isOpen(s: BreakerState, now: number): boolean {
  return now < s.openUntil;
}

export function recordOutcomes(
  s: BreakerState,
  cfg: BreakerConfig,
  now: number,
  outcomes: { ok: number; retryableFailures: number },
): BreakerState {
  if (outcomes.ok > 0) return closedBreaker();
  if (outcomes.retryableFailures === 0) return s;
  const consecutiveFailures = s.consecutiveFailures + outcomes.retryableFailures;
  return {
    consecutiveFailures,
    openUntil: consecutiveFailures >= cfg.threshold ? now + cfg.openMs : s.openUntil,
  };
}
