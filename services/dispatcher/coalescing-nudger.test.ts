import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../../core/logger.js";
import { CoalescingNudger } from "./coalescing-nudger.js";

function captureLogger() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger("nudger-test", { level: "trace", destination }), output: () => chunks.join("") };
}

/** An actor call that stays open until the test lets it finish. */
function blockingInvoker() {
  const calls: { channelId: string; release: (err?: Error) => void }[] = [];
  return {
    calls,
    invoke: (channelId: string) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ channelId, release: (err) => (err ? reject(err) : resolve()) });
      }),
  };
}
const settle = () => new Promise((r) => setImmediate(r));

describe("nudging channel actors from pub/sub", () => {
  it("answers the event at once, before the actor's turn ends", async () => {
    const inv = blockingInvoker();
    const nudger = new CoalescingNudger(inv.invoke, captureLogger().logger);
    // The broker's delivery (and any publish behind it on a serial broker) must not wait for the turn.
    expect(nudger.nudge("c1")).toBeUndefined();
    await settle();
    expect(inv.calls.map((c) => c.channelId)).toEqual(["c1"]);
  });

  it("keeps one call per channel in flight and folds nudges that come meanwhile into one more", async () => {
    const inv = blockingInvoker();
    const nudger = new CoalescingNudger(inv.invoke, captureLogger().logger);
    nudger.nudge("c1");
    await settle();
    for (let i = 0; i < 5; i++) nudger.nudge("c1");
    nudger.nudge("c2");
    await settle();
    expect(inv.calls.map((c) => c.channelId)).toEqual(["c1", "c2"]);
    inv.calls[0]!.release();
    await settle();
    // The five became one follow-up turn, which will see every message they announced.
    expect(inv.calls.map((c) => c.channelId)).toEqual(["c1", "c2", "c1"]);
    inv.calls[2]!.release();
    inv.calls[1]!.release();
    await settle();
    expect(inv.calls).toHaveLength(3);
    expect(nudger.inFlight).toBe(0);
  });

  it("logs a failed call and stays usable; the sweeper re-nudges what is still queued", async () => {
    const inv = blockingInvoker();
    const { logger, output } = captureLogger();
    const nudger = new CoalescingNudger(inv.invoke, logger);
    nudger.nudge("c1");
    await settle();
    inv.calls[0]!.release(new Error("sidecar unavailable"));
    await settle();
    expect(output()).toContain("sidecar unavailable");
    nudger.nudge("c1");
    await settle();
    expect(inv.calls).toHaveLength(2);
  });
});
