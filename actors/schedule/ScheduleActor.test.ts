import { ActorId, DaprClient } from "@dapr/dapr";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";
import { ScheduleActor } from "./ScheduleActor.js";
import { setSchedulePorts } from "./schedule-ports.js";

const NOW = new Date("2026-11-27T13:40:30Z");

/** A one-time schedule whose trigger came due while the scheduler was down. */
const overdue = (): ScheduleSnapshot => ({
  id: "s1",
  status: "pending",
  nextTriggerAt: new Date("2026-11-27T13:39:41Z"),
  lastTriggeredAt: null,
  triggerCount: 0,
  spec: {
    scheduledAt: new Date("2026-11-27T13:39:41Z"),
    timezone: "UTC",
    isRecurring: false,
    rule: null,
    endAt: null,
    maxCount: null,
  },
});

function scheduleActor(row: () => ScheduleSnapshot | undefined) {
  const fired: { at: string; next: string | null }[] = [];
  setSchedulePorts({
    log: createLogger("schedule-test", { level: "silent" }),
    now: () => NOW.getTime(),
    load: async () => row(),
    setNextTrigger: async () => undefined,
    fire: async (_id, at, next) => {
      fired.push({ at: at.toISOString(), next: next?.toISOString() ?? null });
      return { fired: true, next };
    },
  });
  const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: "9", logger: { level: 0 } });
  const actor = new ScheduleActor(client, new ActorId("s1"));
  // registerActorReminder is protected: reach it through a structural view of the instance.
  const internals = actor as unknown as { registerActorReminder: () => Promise<void> };
  const register = vi.spyOn(internals, "registerActorReminder");
  return { actor, fired, register };
}

describe("the schedule actor", () => {
  beforeEach(() => {
    vi.restoreAllMocks();
  });

  it("fires a trigger that is already due when it is synced, without waiting on a reminder", async () => {
    const { actor, fired, register } = scheduleActor(overdue);
    // The scheduler is still away: a reminder could not even be registered.
    register.mockRejectedValue(new Error("scheduler unavailable"));
    await actor.sync({ reason: "recovered" });
    expect(fired).toEqual([{ at: "2026-11-27T13:39:41.000Z", next: null }]);
    expect(register).not.toHaveBeenCalled();
  });

  it("still arms a reminder for a trigger in the future", async () => {
    const future = { ...overdue(), nextTriggerAt: new Date("2026-11-27T14:00:00Z") };
    future.spec = { ...future.spec, scheduledAt: new Date("2026-11-27T14:00:00Z") };
    const { actor, fired, register } = scheduleActor(() => future);
    register.mockResolvedValue(undefined);
    expect(await actor.sync({ reason: "created" })).toEqual({ next: "2026-11-27T14:00:00.000Z" });
    expect(fired).toEqual([]);
    expect(register).toHaveBeenCalledTimes(1);
  });
});
