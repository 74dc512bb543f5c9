/**
 * The share of send attempts that failed or were retried over a sliding window, per key (a
 * channel type), counted in one-second buckets. It feeds a gauge read at scrape time, so the
 * ratio always covers the window before the scrape, and a type with no attempts in the window
 * has no ratio at all rather than a stale one.
 */

export type AttemptOutcome = "sent" | "retry" | "failed";

interface Bucket {
  /** Start of the bucket's second (epoch ms, a multiple of the bucket size). */
  start: number;
  attempts: number;
  failures: number;
}

export class FailureWindow {
  private readonly buckets = new Map<string, Bucket[]>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly bucketMs = 1_000,
  ) {}

  record(key: string, outcome: AttemptOutcome, n: number, at: number): void {
    if (n <= 0) return;
    let list = this.buckets.get(key);
    if (!list) this.buckets.set(key, (list = []));
    const start = at - (at % this.bucketMs);
    let last = list.at(-1);
    if (!last || last.start !== start) list.push((last = { start, attempts: 0, failures: 0 }));
    last.attempts += n;
    if (outcome !== "sent") last.failures += n;
    this.prune(list, at);
  }

  /** Failed or retried attempts over all attempts in the window ending at `at`; undefined without attempts. */
  ratio(key: string, at: number): number | undefined {
    const list = this.buckets.get(key);
    if (!list) return undefined;
    this.prune(list, at);
    let attempts = 0;
    let failures = 0;
    for (const b of list) {
      attempts += b.attempts;
      failures += b.failures;
    }
    return attempts > 0 ? failures / attempts : undefined;
  }

  keys(): string[] {
    return [...this.buckets.keys()];
  }

  private prune(list: Bucket[], at: number): void {
    const oldest = at - this.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop]!.start + this.bucketMs <= oldest) drop++;
    if (drop > 0) list.splice(0, drop);
  }
}
