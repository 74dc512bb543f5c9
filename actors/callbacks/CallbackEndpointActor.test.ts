import { ActorId, DaprClient } from "@dapr/dapr";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/logger.js";
import { setCallbackPorts, type CallbackPorts } from "./callback-ports.js";

const drains = vi.hoisted(() => ({ fail: true, calls: 0 }));

// The drain is tested on its own (drain.test.ts); here it only fails while the database is down.
vi.mock("./drain.js", async (original) => ({
  ...(await original<typeof import("./drain.js")>()),
  drainEndpoint: async () => {
    drains.calls++;
    if (drains.fail) throw new Error("database unavailable");
    return { disabled: false, nextDueAt: undefined };
  },
}));

const { CallbackEndpointActor } = await import("./CallbackEndpointActor.js");

describe("a callback endpoint's retry after a failed drain", () => {
  beforeEach(() => {
    drains.fail = true;
    drains.calls = 0;
    setCallbackPorts({
      log: createLogger("callbacks-test", { level: "silent" }),
      now: () => Date.now(),
      settings: { ratePerSecond: 10 },
    } as unknown as CallbackPorts);
  });

  it("falls back to a sidecar timer when the reminder cannot be registered (scheduler down)", async () => {
    const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: "9", logger: { level: 0 } });
    const actor = new CallbackEndpointActor(client, new ActorId("ep-1"));
    const internals = actor as unknown as {
      registerActorReminder: () => Promise<void>;
      registerActorTimer: (name: string, callback: string) => Promise<void>;
    };
    vi.spyOn(internals, "registerActorReminder").mockRejectedValue(new Error("scheduler unavailable"));
    const timers = vi.spyOn(internals, "registerActorTimer").mockResolvedValue(undefined);
    await actor.receiveReminder();
    expect(drains.calls).toBe(0); // the safety reminder failed before the drain started
    expect(timers).toHaveBeenCalledTimes(1);
    expect(timers.mock.calls[0]?.[1]).toBe("nudge");
  });
});
