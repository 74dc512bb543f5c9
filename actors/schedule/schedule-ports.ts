/** What a schedule actor needs from the outside world; services/main.ts wires the real ports. */

import type { Logger } from "../../core/logger.js";
import type { FireResult, ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";

export interface SchedulePorts {
  log: Logger;
  now(): number;
  load(id: string): Promise<ScheduleSnapshot | undefined>;
  /** Writes the next trigger time (keeps next_trigger_at true); completes the schedule when null. */
  setNextTrigger(id: string, next: Date | null, now: Date): Promise<void>;
  /**
   * One transaction: the message or group message for trigger time `at` (at most one per
   * (schedule, at), however often this runs), trigger_count and last_triggered_at, the next
   * trigger; then the dispatch nudge or group_message.queued event.
   */
  fire(id: string, at: Date, next: Date | null, now: Date): Promise<FireResult>;
}

let current: SchedulePorts | undefined;

export function setSchedulePorts(ports: SchedulePorts): void {
  current = ports;
}

export function schedulePorts(): SchedulePorts {
  if (!current) throw new Error("schedule ports are not wired: the dispatcher must call setSchedulePorts at start-up");
  return current;
}
