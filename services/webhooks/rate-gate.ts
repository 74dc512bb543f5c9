/**
 * What a webhook receiver spends before it knows a channel exists. Receivers are public and the
 * channel id is in the path, so two limits come before any database work or body read: a token
 * bucket per path (one channel's flood cannot crowd out the others), and one shared budget for
 * looking up ids the cache does not know (random ids would otherwise cost a query each). Both
 * are in memory per replica, and the per-path map is bounded (least recently used out first).
 */

import type { TokenBucketState } from "../../core/dispatch/token-bucket.js";
import { msUntilToken, take } from "../../core/dispatch/token-bucket.js";

export interface WebhookLimits {
  /** Sustained requests per second one channel's path is answered. */
  perChannelPerSecond: number;
  /** Requests one channel's path may send at once after a quiet spell. */
  perChannelBurst: number;
  /** Lookups per second of channel ids that turned out not to exist, for the whole receiver. */
  unknownLookupsPerSecond: number;
  unknownLookupBurst: number;
}

export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = {
  // A campaign at Twilio's 100 messages/s brings up to three callbacks per message.
  perChannelPerSecond: 500,
  perChannelBurst: 1_000,
  unknownLookupsPerSecond: 20,
  unknownLookupBurst: 100,
};

const MAX_TRACKED_PATHS = 10_000;

export class WebhookRateGate {
  private readonly paths = new Map<string, TokenBucketState>();
  private unknown: TokenBucketState;

  constructor(
    private readonly limits: WebhookLimits = DEFAULT_WEBHOOK_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.unknown = full(limits.unknownLookupBurst, now());
  }

  /** Takes a token for a request on this channel's path: 0 when it may go on, otherwise the ms to wait. */
  admitPath(channelId: string): number {
    const now = this.now();
    const cfg = { ratePerMinute: this.limits.perChannelPerSecond * 60, burst: this.limits.perChannelBurst };
    const state = this.paths.get(channelId) ?? full(cfg.burst, now);
    const r = take(state, cfg, now, 1);
    // Re-inserted on every use: the map's front is the least recently used path.
    this.paths.delete(channelId);
    this.paths.set(channelId, r.state);
    if (this.paths.size > MAX_TRACKED_PATHS) this.paths.delete(this.paths.keys().next().value!);
    return r.granted === 1 ? 0 : Math.max(1, msUntilToken(r.state, cfg, now));
  }

  /** Whether an id the cache does not know may be looked up: 0 when it may, otherwise the ms to wait. */
  lookupWait(): number {
    return msUntilToken(this.unknown, this.unknownConfig(), this.now());
  }

  /** A lookup found no channel: it spends the shared budget. */
  noteUnknown(): void {
    this.unknown = take(this.unknown, this.unknownConfig(), this.now(), 1).state;
  }

  private unknownConfig() {
    return { ratePerMinute: this.limits.unknownLookupsPerSecond * 60, burst: this.limits.unknownLookupBurst };
  }
}

function full(burst: number, now: number): TokenBucketState {
  return { tokens: burst, updatedAt: now, blockedUntil: 0 };
}
