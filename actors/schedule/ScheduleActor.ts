/**
 * The Dapr side of a scheduled message: the actor that arms its reminder and fires it. When to fire is
 * decided in schedule-logic.ts; the database work is behind schedule-ports.ts.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { reminderFields } from "../reminder-data.js";
import { expectedTrigger, isCurrentTrigger, nextAfterFire, type SyncReason } from "./schedule-logic.js";
import { schedulePorts } from "./schedule-ports.js";
import type { FireResult, ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";

const TRIGGER = "trigger";

/**
 * One actor per scheduled message, driven by one Dapr actor reminder for its next trigger time.
 * Reminders are persisted by the Dapr scheduler, so a trigger due while every process was down
 * fires when the actor host is back, once (the next reminder is computed from the time it
 * actually fired). A trigger already due when the actor syncs (the sweep re-syncs overdue
 * schedules) fires at once in that call, so a reminder the scheduler lost or never took does
 * not hold it back. Firing is idempotent: the database allows one message or group message per
 * (schedule, trigger time), and a reminder that is no longer the schedule's next trigger does nothing.
 */
export class ScheduleActor extends AbstractActor {
  /** The schedule was created, edited, paused, resumed or cancelled: arm (or disarm) its reminder. */
  async sync(req: { reason?: SyncReason } = {}): Promise<{ next: string | null }> {
    const ports = schedulePorts();
    const id = this.getActorId().getId();
    const s = await ports.load(id);
    const now = new Date(ports.now());
    if (!s || s.status !== "pending") {
      await this.unregisterActorReminder(TRIGGER).catch(() => undefined);
      return { next: null };
    }
    const at = expectedTrigger(s, req.reason ?? "recovered", now);
    if (at?.getTime() !== s.nextTriggerAt?.getTime()) await ports.setNextTrigger(id, at, now);
    if (!at) {
      await this.unregisterActorReminder(TRIGGER).catch(() => undefined);
      return { next: null };
    }
    if (at.getTime() <= now.getTime()) {
      // Already due (it came due while the scheduler was down, or its reminder was lost): fire it
      // now rather than through a reminder, which is the part that failed.
      const result = await this.fireTrigger({ ...s, nextTriggerAt: at }, at);
      return { next: result.next?.toISOString() ?? null };
    }
    await this.arm(at, now);
    return { next: at.toISOString() };
  }

  override async receiveReminder(data: unknown): Promise<void> {
    const ports = schedulePorts();
    const id = this.getActorId().getId();
    const at = triggerTime(data);
    const s = await ports.load(id);
    if (!s || !at || !isCurrentTrigger(s, at)) {
      // Stale (fired twice, or the schedule changed since): re-arm from the row.
      await this.sync({ reason: "recovered" });
      return;
    }
    await this.fireTrigger(s, at);
  }

  /** Fires the schedule's current trigger `at` once, then arms the next one. */
  private async fireTrigger(s: ScheduleSnapshot, at: Date): Promise<FireResult> {
    const ports = schedulePorts();
    const id = this.getActorId().getId();
    const now = new Date(ports.now());
    const plan = nextAfterFire(s, at, now);
    if (plan.missed > 0)
      ports.log.warn(
        { scheduledMessageId: id, missed: plan.missed, dueAt: at.toISOString() },
        "schedule was down over several triggers: fired once, skipped the rest",
      );
    const result = await ports.fire(id, at, plan.next, now);
    ports.log.info(
      {
        scheduledMessageId: id,
        dueAt: at.toISOString(),
        lateMs: now.getTime() - at.getTime(),
        fired: result.fired,
        next: result.next?.toISOString() ?? null,
      },
      "schedule triggered",
    );
    if (result.next) await this.arm(result.next, new Date(ports.now()));
    return result;
  }

  private async arm(at: Date, now: Date): Promise<void> {
    const due = Math.max(1, at.getTime() - now.getTime());
    // Reminder data reaches receiveReminder as text: send JSON.
    await this.registerActorReminder(
      TRIGGER,
      Temporal.Duration.from({ milliseconds: due }),
      undefined,
      undefined,
      JSON.stringify({ at: at.toISOString() }),
    );
  }
}

/** The trigger time a reminder carries, or undefined when it has none (or not a valid one). */
function triggerTime(data: unknown): Date | undefined {
  const fields = reminderFields(data);
  if (!fields || !("at" in fields)) return undefined;
  const d = new Date(String(fields.at));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
