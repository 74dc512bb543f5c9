/**
 * Decisions of a schedule actor, pure: when the reminder should fire, and whether a reminder
 * that fired is still the one the schedule expects.
 */

import { firstOccurrence, nextOccurrence, planAfterTrigger } from "../../core/schedule/recurrence.js";
import type { ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";

export type SyncReason = "created" | "updated" | "resumed" | "recovered";

/**
 * The trigger a pending schedule should be armed for. A schedule that never fired starts at its
 * first occurrence. One resumed after a pause skips what fell inside the pause (a pause is a
 * choice, not an outage); otherwise a trigger already due stays due and fires once at once.
 */
export function expectedTrigger(s: ScheduleSnapshot, reason: SyncReason, now: Date): Date | null {
  if (s.status !== "pending") return null;
  let at: Date | undefined;
  // Before its first trigger the schedule's own fields decide (the API stores scheduled_at as
  // next_trigger_at, which for a weekly or cron rule may not be an occurrence).
  if (s.triggerCount === 0) at = firstOccurrence(s.spec);
  else if (reason === "updated" || !s.nextTriggerAt)
    at = nextOccurrence(s.spec, s.lastTriggeredAt ?? s.spec.scheduledAt, s.triggerCount);
  else at = s.nextTriggerAt;
  if (at && reason === "resumed" && at < now) {
    at = s.spec.isRecurring ? nextOccurrence(s.spec, now, s.triggerCount) : at;
  }
  return at ?? null;
}

/** The next trigger after firing `at` now: one catch-up fire after a downtime, never a burst. */
export function nextAfterFire(s: ScheduleSnapshot, at: Date, now: Date): { next: Date | null; missed: number } {
  return planAfterTrigger(s.spec, at, now, s.triggerCount + 1);
}

/** A reminder is current only if the schedule still waits for exactly that trigger. */
export function isCurrentTrigger(s: ScheduleSnapshot, at: Date): boolean {
  return s.status === "pending" && s.nextTriggerAt !== null && s.nextTriggerAt.getTime() === at.getTime();
}
