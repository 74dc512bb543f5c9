/**
 * A token bucket that takes `now` instead of reading a clock, so it is exact under test and
 * the channel actor owns its only instance (one activation per channel in the cluster).
 * `ratePerMinute` is the channel's rate_limit; `burst` is how many tokens may pile up.
 */

export interface TokenBucketState {
  tokens: number;
  updatedAt: number;
  /** Provider said "slow down": no tokens are granted before this instant. */
  blockedUntil: number;
}

export interface BucketConfig {
  ratePerMinute: number;
  burst: number;
}

export function newBucket(cfg: BucketConfig, now: number): TokenBucketState {
  // Start with one token, not a full burst: a restarted actor must not add a burst on top of
  // what its previous activation just spent.
  return { tokens: Math.min(1, cfg.burst), updatedAt: now, blockedUntil: 0 };
}

function refill(state: TokenBucketState, cfg: BucketConfig, now: number): TokenBucketState {
  if (now <= state.updatedAt) return state;
  const added = ((now - state.updatedAt) * cfg.ratePerMinute) / 60_000;
  return { ...state, tokens: Math.min(cfg.burst, state.tokens + added), updatedAt: now };
}

/** Takes up to `wanted` whole tokens; returns how many were granted. */
export function take(
  state: TokenBucketState,
  cfg: BucketConfig,
  now: number,
  wanted: number,
): { state: TokenBucketState; granted: number } {
  const s = refill(state, cfg, now);
  if (now < s.blockedUntil) return { state: s, granted: 0 };
  const granted = Math.max(0, Math.min(wanted, Math.floor(s.tokens)));
  return { state: { ...s, tokens: s.tokens - granted }, granted };
}

/** Gives back tokens that were taken for sends that never happened. */
export function giveBack(state: TokenBucketState, cfg: BucketConfig, n: number): TokenBucketState {
  return { ...state, tokens: Math.min(cfg.burst, state.tokens + n) };
}

/** A provider throttled us: empty the bucket and grant nothing until `until`. */
export function block(state: TokenBucketState, now: number, until: number): TokenBucketState {
  return {
    ...state,
    tokens: 0,
    updatedAt: Math.max(state.updatedAt, now),
    blockedUntil: Math.max(state.blockedUntil, until),
  };
}

/** Milliseconds until at least one token is available. */
export function msUntilToken(state: TokenBucketState, cfg: BucketConfig, now: number): number {
  const s = refill(state, cfg, now);
  const blocked = Math.max(0, s.blockedUntil - now);
  if (s.tokens >= 1) return blocked;
  const refillMs = Math.ceil(((1 - s.tokens) * 60_000) / cfg.ratePerMinute);
  return Math.max(blocked, refillMs);
}
