/**
 * The periodic sweep, once per cluster. A cron binding fires in every replica's sidecar, so N
 * dispatchers swept N times per period; one actor id lives on exactly one host at a time and its
 * reminder is persisted by the Dapr scheduler, so the sweep runs once per period whatever the
 * replica count, and moves with the actor when its host stops.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { sweeperPorts } from "./sweeper-ports.js";

/** The one instance: every dispatcher arms this id. */
export const SWEEPER_ID = "cluster";
const REMINDER = "sweep";

export class SweeperActor extends AbstractActor {
  /**
   * Registers the periodic reminder. Every dispatcher calls it at start and again every few
   * periods (services/dispatcher/sweep-arming.ts), since the scheduler can lose it; registering
   * the same reminder again replaces it, so there is still one.
   */
  async arm(): Promise<{ intervalMs: number }> {
    const { intervalMs } = sweeperPorts();
    const every = Temporal.Duration.from({ milliseconds: intervalMs });
    await this.registerActorReminder(REMINDER, every, every, undefined, "{}");
    return { intervalMs };
  }

  /** Calls to one actor are serialised: a slow sweep delays the next one, never overlaps it. */
  override async receiveReminder(): Promise<void> {
    await sweeperPorts().sweep();
  }
}
