/**
 * Whether the cluster sweep still runs. The sweep rides on one Dapr reminder, and a reminder can
 * be lost with the scheduler; the dispatchers call the sweeper actor every few periods anyway (to
 * re-register it), so the actor can tell on that call that its reminder has stopped and sweep
 * itself. Kept in memory: a freshly activated sweeper has not swept yet, so it counts as overdue
 * and sweeps once, which is harmless (the sweep is idempotent).
 */

/** Periods without a sweep before it counts as stopped: one late reminder is not a lost one. */
const OVERDUE_PERIODS = 3;

export class SweepWatch {
  private lastAt: number | undefined;

  constructor(private readonly periodMs: number) {}

  /** Whether this activation has swept at all (so an overdue sweep means a lost reminder). */
  get hasSwept(): boolean {
    return this.lastAt !== undefined;
  }

  swept(now: number): void {
    this.lastAt = now;
  }

  overdue(now: number): boolean {
    return this.lastAt === undefined || now - this.lastAt >= OVERDUE_PERIODS * this.periodMs;
  }
}
