/**
 * The simulator's counters per provider, which tests and benchmarks read to compare both sides of an
 * exchange.
 */

import type { ProviderKey } from "./config.js";
import { DeliveryLedger } from "./deliveries.js";
import { ReceivedLog } from "./received.js";

export interface ProviderCounters {
  requests: number;
  accepted: number;
  throttled: number;
  errors: number;
  /** Sends held unanswered until their connection was closed. */
  timeouts: number;
  /** SMS segments (SMPP) or recipients (SMTP) accepted. */
  units: number;
  receiptsScheduled: number;
  webhooksSent: number;
  /** Failed attempts (a non-2xx answer or none), first tries and retries alike. */
  webhooksFailed: number;
  /** Redeliveries of a webhook the receiver had not taken. */
  webhooksRetried: number;
  /** Webhooks abandoned after the provider's last retry (or at once where it does not retry). */
  webhooksGivenUp: number;
  inboundSent: number;
  binds: number;
}

const empty = (): ProviderCounters => ({
  requests: 0,
  accepted: 0,
  throttled: 0,
  errors: 0,
  timeouts: 0,
  units: 0,
  receiptsScheduled: 0,
  webhooksSent: 0,
  webhooksFailed: 0,
  webhooksRetried: 0,
  webhooksGivenUp: 0,
  inboundSent: 0,
  binds: 0,
});

/** What the simulator received and did, per provider; GET /_sim/stats returns it. */
export class SimStats {
  private counters = new Map<ProviderKey, ProviderCounters>();
  /** Recent accepted messages (provider id and addressee) for tests that compare both sides. */
  private recent: Array<{ provider: ProviderKey; id: string; to: string; at: string }> = [];
  /** Acceptance times (epoch ms) per provider, bounded: rate tests check every sliding second. */
  private timeline = new Map<ProviderKey, number[]>();
  private static readonly TIMELINE_MAX = 200_000;
  /** Distinct addressees counted per provider: enough for a 1M-recipient campaign benchmark. */
  private static readonly RECIPIENTS_MAX = 2_000_000;
  /** Accepted sends per addressee and provider: duplicate checks compare these with our rows. */
  private recipients = new Map<ProviderKey, Map<string, number>>();
  /** What each accepted send carried, for tests that check content (GET /_sim/received). */
  readonly received = new ReceivedLog();
  /** Every webhook and deliver_sm sent to a receiver, attempt by attempt (GET /_sim/deliveries). */
  readonly deliveries = new DeliveryLedger();

  of(provider: ProviderKey): ProviderCounters {
    let c = this.counters.get(provider);
    if (!c) {
      c = empty();
      this.counters.set(provider, c);
    }
    return c;
  }

  remember(provider: ProviderKey, id: string, to: string): void {
    const now = Date.now();
    let times = this.timeline.get(provider);
    if (!times) this.timeline.set(provider, (times = []));
    times.push(now);
    let byTo = this.recipients.get(provider);
    if (!byTo) this.recipients.set(provider, (byTo = new Map()));
    if (byTo.size < SimStats.RECIPIENTS_MAX || byTo.has(to)) byTo.set(to, (byTo.get(to) ?? 0) + 1);
    if (times.length > SimStats.TIMELINE_MAX) times.splice(0, times.length - SimStats.TIMELINE_MAX);
    this.recent.push({ provider, id, to, at: new Date(now).toISOString() });
    if (this.recent.length > 1000) this.recent.splice(0, this.recent.length - 1000);
  }

  reset(): void {
    this.counters = new Map();
    this.recent = [];
    this.timeline = new Map();
    this.recipients = new Map();
    this.received.reset();
    this.deliveries.reset();
  }

  /** Accepted sends per addressee for one provider. */
  recipientsOf(provider: ProviderKey): Record<string, number> {
    return Object.fromEntries(this.recipients.get(provider) ?? []);
  }

  /** Acceptance times of one provider, oldest first. */
  timelineOf(provider: ProviderKey): number[] {
    return [...(this.timeline.get(provider) ?? [])];
  }

  snapshot() {
    return { providers: Object.fromEntries(this.counters), recent: this.recent.slice(-100) };
  }
}
