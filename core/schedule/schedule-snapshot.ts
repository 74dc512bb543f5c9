/**
 * A schedule as its actor and its store see it: the row's trigger state, and what one trigger
 * came to. Data only.
 */

import type { ScheduleSpec } from "./recurrence.js";

export interface ScheduleSnapshot {
  id: string;
  status: string;
  spec: ScheduleSpec;
  nextTriggerAt: Date | null;
  lastTriggeredAt: Date | null;
  triggerCount: number;
}

export interface FireResult {
  /** False when the trigger was stale (already fired, paused, cancelled, edited): nothing was created. */
  fired: boolean;
  /** The next trigger written with it (null when the schedule is finished). */
  next: Date | null;
}
