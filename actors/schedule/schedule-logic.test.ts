import { describe, expect, it } from "vitest";
import { expectedTrigger, isCurrentTrigger, nextAfterFire } from "./schedule-logic.js";
import type { ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";

const base = (o: Partial<ScheduleSnapshot> = {}): ScheduleSnapshot => ({
  id: "s1",
  status: "pending",
  nextTriggerAt: new Date("2025-06-02T07:00:00Z"),
  lastTriggeredAt: null,
  triggerCount: 0,
  spec: {
    scheduledAt: new Date("2025-06-02T07:00:00Z"),
    timezone: "UTC",
    isRecurring: true,
    rule: "daily",
    endAt: null,
    maxCount: null,
  },
  ...o,
});

describe("schedule actor decisions", () => {
  it("arms a new weekly schedule for its first matching day, not for scheduled_at", () => {
    // 2025-06-03 is a Tuesday.
    const s = base({
      nextTriggerAt: new Date("2025-06-03T07:00:00Z"),
      spec: { ...base().spec, scheduledAt: new Date("2025-06-03T07:00:00Z"), rule: "weekly:fri" },
    });
    expect(expectedTrigger(s, "created", new Date("2025-06-01T00:00:00Z"))?.toISOString()).toBe(
      "2025-06-06T07:00:00.000Z",
    );
  });

  it("keeps an overdue trigger due after an outage, but skips what a pause covered", () => {
    const s = base({
      triggerCount: 3,
      lastTriggeredAt: new Date("2025-06-04T07:00:00Z"),
      nextTriggerAt: new Date("2025-06-05T07:00:00Z"),
    });
    const now = new Date("2025-06-08T09:00:00Z");
    expect(expectedTrigger(s, "recovered", now)?.toISOString()).toBe("2025-06-05T07:00:00.000Z");
    expect(expectedTrigger(s, "resumed", now)?.toISOString()).toBe("2025-06-09T07:00:00.000Z");
    expect(expectedTrigger({ ...s, status: "paused" }, "recovered", now)).toBeNull();
  });

  it("recognises a stale reminder and plans one catch-up", () => {
    const s = base({ triggerCount: 1, nextTriggerAt: new Date("2025-06-03T07:00:00Z") });
    expect(isCurrentTrigger(s, new Date("2025-06-03T07:00:00Z"))).toBe(true);
    expect(isCurrentTrigger(s, new Date("2025-06-02T07:00:00Z"))).toBe(false);
    expect(isCurrentTrigger({ ...s, status: "cancelled" }, new Date("2025-06-03T07:00:00Z"))).toBe(false);
    expect(nextAfterFire(s, new Date("2025-06-03T07:00:00Z"), new Date("2025-06-06T08:00:00Z"))).toEqual({
      next: new Date("2025-06-07T07:00:00Z"),
      missed: 3,
    });
  });
});
