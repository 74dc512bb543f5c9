import type { ProviderKey } from "./config.js";

export interface ProviderCounters {
  requests: number;
  accepted: number;
  throttled: number;
  errors: number;
  /** SMS segments (SMPP) or recipients (SMTP) accepted. */
  units: number;
  receiptsScheduled: number;
  webhooksSent: number;
  webhooksFailed: number;
  inboundSent: number;
  binds: number;
}

const empty = (): ProviderCounters => ({
  requests: 0, accepted: 0, throttled: 0, errors: 0, units: 0, receiptsScheduled: 0, webhooksSent: 0, webhooksFailed: 0, inboundSent: 0, binds: 0,
});

/** What the simulator received and did, per provider; GET /_sim/stats returns it. */
export class SimStats {
  private counters = new Map<ProviderKey, ProviderCounters>();
  /** Recent accepted messages (provider id and addressee) for tests that compare both sides. */
  private recent: Array<{ provider: ProviderKey; id: string; to: string; at: string }> = [];

  of(provider: ProviderKey): ProviderCounters {
    let c = this.counters.get(provider);
    if (!c) {
      c = empty();
      this.counters.set(provider, c);
    }
    return c;
  }

  remember(provider: ProviderKey, id: string, to: string): void {
    this.recent.push({ provider, id, to, at: new Date().toISOString() });
    if (this.recent.length > 1000) this.recent.splice(0, this.recent.length - 1000);
  }

  reset(): void {
    this.counters = new Map();
    this.recent = [];
  }

  snapshot() {
    return { providers: Object.fromEntries(this.counters), recent: this.recent.slice(-100) };
  }
}
