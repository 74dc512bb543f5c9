/**
 * How many times something happened to a key (an account) within the last window, in this
 * process: the API's rate-limit refusals, for the overview. Counts are kept per second, so memory
 * is bounded by the window's length per key, and keys idle for a whole window are dropped; the
 * number of keys is capped as well (the oldest key goes first), so a flood of accounts cannot
 * grow it without bound.
 */

export class RecentHits {
  private readonly seconds = new Map<string, Map<number, number>>();

  constructor(
    readonly windowSeconds: number,
    private readonly maxKeys = 10_000,
  ) {}

  record(key: string, at: Date, n = 1): void {
    const second = Math.floor(at.getTime() / 1000);
    let perSecond = this.seconds.get(key);
    if (!perSecond) {
      if (this.seconds.size >= this.maxKeys) this.seconds.delete(this.seconds.keys().next().value!);
      perSecond = new Map();
      this.seconds.set(key, perSecond);
    }
    perSecond.set(second, (perSecond.get(second) ?? 0) + n);
    this.prune(perSecond, second);
  }

  /** Hits of the keys within the window that ends at `at`. */
  count(keys: readonly string[], at: Date): number {
    const second = Math.floor(at.getTime() / 1000);
    let total = 0;
    for (const key of keys) {
      const perSecond = this.seconds.get(key);
      if (!perSecond) continue;
      this.prune(perSecond, second);
      if (perSecond.size === 0) {
        this.seconds.delete(key);
        continue;
      }
      for (const n of perSecond.values()) total += n;
    }
    return total;
  }

  private prune(perSecond: Map<number, number>, now: number): void {
    for (const s of perSecond.keys()) if (s <= now - this.windowSeconds) perSecond.delete(s);
  }
}
