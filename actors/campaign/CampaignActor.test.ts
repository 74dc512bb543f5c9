import { ActorId, DaprClient } from "@dapr/dapr";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/logger.js";
import { setCampaignPorts, type CampaignPorts } from "./campaign-ports.js";

// The turn itself is tested on its own; here every turn asks to come back shortly.
vi.mock("./campaign-turn.js", () => ({
  campaignTurn: async () => ({ wakeInMs: 500, pagesInserted: 0, state: "fanning_out" }),
}));

const { CampaignActor } = await import("./CampaignActor.js");

/** Actor state kept in memory across activations, as the state store keeps it across hosts. */
type Store = Map<string, unknown>;

/** A campaign actor on a fake sidecar: its state lives in `store`, reminder registrations are counted. */
function campaign(store: Store) {
  const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: "9", logger: { level: 0 } });
  const actor = new CampaignActor(client, new ActorId("gm-1"));
  const internals = actor as unknown as {
    getStateManager: () => unknown;
    registerActorTimer: () => Promise<void>;
    registerActorReminder: () => Promise<void>;
  };
  vi.spyOn(internals, "getStateManager").mockReturnValue({
    tryGetState: async (name: string) => [store.has(name), store.get(name)],
    setState: async (name: string, value: unknown) => void store.set(name, value),
    saveState: async () => undefined,
  });
  vi.spyOn(internals, "registerActorTimer").mockResolvedValue(undefined);
  const reminders = vi.spyOn(internals, "registerActorReminder").mockResolvedValue(undefined);
  return { actor, reminders };
}

describe("the campaign actor's watchdog reminder", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setCampaignPorts({ log: createLogger("campaign-test", { level: "silent" }) } as CampaignPorts);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is registered once while it keeps firing", async () => {
    const store: Store = new Map();
    const { actor, reminders } = campaign(store);
    await actor.start();
    expect(reminders).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(10_000);
      await actor.receiveReminder(JSON.stringify({ name: "watchdog" }));
      await actor.tick();
    }
    expect(reminders).toHaveBeenCalledTimes(1);
  });

  it("is registered again when it stopped firing (lost with the scheduler), even though the state says it is set", async () => {
    const store: Store = new Map();
    const first = campaign(store);
    await first.actor.start();
    expect(first.reminders).toHaveBeenCalledTimes(1);
    // The actor moves to another host (its timer dies with the old one); the scheduler lost the
    // reminder, so nothing fired for a minute. The next turn (the sweep's start) must re-arm it.
    vi.advanceTimersByTime(60_000);
    const moved = campaign(store);
    await moved.actor.start();
    expect(moved.reminders).toHaveBeenCalledTimes(1);
  });

  it("a registration that fails leaves it unset, so the next turn tries again", async () => {
    const store: Store = new Map();
    const { actor, reminders } = campaign(store);
    reminders.mockRejectedValueOnce(new Error("scheduler unavailable"));
    await expect(actor.start()).rejects.toThrow("scheduler unavailable");
    await actor.tick();
    expect(reminders).toHaveBeenCalledTimes(2);
  });
});
