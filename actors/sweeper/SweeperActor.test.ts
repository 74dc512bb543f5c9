import { ActorId, DaprClient } from "@dapr/dapr";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/logger.js";
import { SweeperActor, SWEEPER_ID } from "./SweeperActor.js";
import { setSweeperPorts } from "./sweeper-ports.js";

const INTERVAL_MS = 5_000;

/** A sweeper actor whose reminder registration succeeds or fails on demand; no sidecar is called. */
function sweeper(registration: () => Promise<void>) {
  const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: "9", logger: { level: 0 } });
  const actor = new SweeperActor(client, new ActorId(SWEEPER_ID));
  // registerActorReminder is protected: reach it through a structural view of the instance.
  const reminders = actor as unknown as { registerActorReminder: () => Promise<void> };
  const register = vi.spyOn(reminders, "registerActorReminder").mockImplementation(registration);
  return { actor, register };
}

describe("the cluster sweeper actor", () => {
  let sweeps = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    sweeps = 0;
    setSweeperPorts({
      log: createLogger("sweeper-test", { level: "silent" }),
      intervalMs: INTERVAL_MS,
      sweep: async () => {
        sweeps++;
      },
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sweeps when it is armed while its reminder has stopped firing", async () => {
    const { actor } = sweeper(async () => undefined);
    await actor.receiveReminder();
    expect(sweeps).toBe(1);
    vi.advanceTimersByTime(INTERVAL_MS);
    await actor.arm();
    // The reminder fired a period ago: it is alive, no extra sweep.
    expect(sweeps).toBe(1);
    vi.advanceTimersByTime(3 * INTERVAL_MS);
    const armed = await actor.arm();
    expect(armed.swept).toBe(true);
    expect(sweeps).toBe(2);
  });

  it("a renewal does nothing while the reminder fires, so it never shifts the next sweep", async () => {
    const { actor, register } = sweeper(async () => undefined);
    await actor.arm();
    expect(register).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 12; i++) {
      vi.advanceTimersByTime(INTERVAL_MS);
      await actor.receiveReminder();
    }
    const renewed = await actor.arm({ renewal: true });
    expect(renewed.swept).toBe(false);
    expect(register).toHaveBeenCalledTimes(1);
    // The reminder stops: three periods later the renewal registers it again and sweeps.
    vi.advanceTimersByTime(3 * INTERVAL_MS);
    const sweepsBefore = sweeps;
    expect((await actor.arm({ renewal: true })).swept).toBe(true);
    expect(register).toHaveBeenCalledTimes(2);
    expect(sweeps).toBe(sweepsBefore + 1);
  });

  it("still sweeps when registering the reminder fails (scheduler down), and reports the failure", async () => {
    const { actor } = sweeper(async () => {
      throw new Error("scheduler unavailable");
    });
    await actor.receiveReminder();
    vi.advanceTimersByTime(4 * INTERVAL_MS);
    await expect(actor.arm({ renewal: true })).rejects.toThrow("scheduler unavailable");
    expect(sweeps).toBe(2);
  });
});
