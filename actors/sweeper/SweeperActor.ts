/**
 * The periodic sweep, once per cluster. A cron binding fires in every replica's sidecar, so N
 * dispatchers swept N times per period; one actor id lives on exactly one host at a time and its
 * reminder is persisted by the Dapr scheduler, so the sweep runs once per period whatever the
 * replica count, and moves with the actor when its host stops.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { sweeperPorts } from "./sweeper-ports.js";
import { SweepWatch } from "./sweep-watch.js";

/** The one instance: every dispatcher arms this id. */
export const SWEEPER_ID = "cluster";
const REMINDER = "sweep";

export class SweeperActor extends AbstractActor {
  private watch?: SweepWatch;

  private get sweepWatch(): SweepWatch {
    this.watch ??= new SweepWatch(sweeperPorts().intervalMs);
    return this.watch;
  }

  /**
   * Registers the periodic reminder. Every dispatcher calls it at start and again every few
   * periods as a `renewal` (services/dispatcher/sweep-arming.ts), since the scheduler can lose
   * it; registering the same reminder again replaces it, so there is still one. A renewal while
   * the reminder fires does nothing (re-registering would shift the next sweep by up to a
   * period). When no sweep ran for several periods (the reminder stopped firing), it registers
   * the reminder and sweeps now: the safety net must not depend on the one thing that failed.
   */
  async arm(req: { renewal?: boolean } = {}): Promise<{ intervalMs: number; swept: boolean }> {
    const { intervalMs, log } = sweeperPorts();
    const every = Temporal.Duration.from({ milliseconds: intervalMs });
    const overdue = this.sweepWatch.overdue(Date.now());
    if (req.renewal && !overdue) return { intervalMs, swept: false };
    if (overdue && this.sweepWatch.hasSwept)
      log.warn({ intervalMs }, "sweep reminder stopped firing: sweeping now and registering it again");
    try {
      await this.registerActorReminder(REMINDER, every, every, undefined, "{}");
    } finally {
      // Also when the registration failed (scheduler down): that is when the sweep is needed.
      if (overdue) await this.sweep();
    }
    return { intervalMs, swept: overdue };
  }

  /** Calls to one actor are serialised: a slow sweep delays the next one, never overlaps it. */
  override async receiveReminder(): Promise<void> {
    await this.sweep();
  }

  private async sweep(): Promise<void> {
    await sweeperPorts().sweep();
    this.sweepWatch.swept(Date.now());
  }
}
