import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/stack.js";
import { publishNudge, seedChannel, seedMessages, statusCounts, withPg, type SeedChannel } from "../support/seed.js";
import { startDispatchHarness, vonageCredentials, type DispatchHarness } from "./harness.js";

const rabbitmqctl = (...args: string[]) => execFileSync("rabbitmqctl", args, { stdio: "ignore", timeout: 60_000 });

describe("dispatch under faults", () => {
  let h: DispatchHarness;
  const nudge = (ch: SeedChannel) => publishNudge(h.apiDaprPort, h.t.stack.tokens.daprApiToken, ch);
  const allSent = (ch: SeedChannel, n: number, timeoutMs: number) =>
    eventually(
      `${n} messages sent`,
      async () => {
        const c = await statusCounts(h.db, [ch.id]);
        return c.sent === n ? c : undefined;
      },
      timeoutMs,
    );

  beforeAll(async () => {
    h = await startDispatchHarness({ basePort: 26500, appEnv: { SWEEP_STUCK_SENDING_MS: "5000" } });
  });
  afterAll(async () => {
    try {
      rabbitmqctl("start_app");
    } finally {
      await h?.stop();
    }
  });

  it("loses nothing when the dispatcher is killed with SIGKILL mid-batch, and counts the crash window", async () => {
    h.sim.configure({ providers: { vonage: { latencyMs: 1_500 } } });
    const ch = await seedChannel(h.db, {
      channelType: "sms",
      provider: "vonage",
      credentials: vonageCredentials,
      rateLimit: 60_000,
      burst: 50,
    });
    const ids = await seedMessages(h.db, ch, 50, { address: (i) => `2551${String(i).padStart(8, "0")}` });
    await nudge(ch);
    await eventually("a batch in flight", async () => ((await statusCounts(h.db, [ch.id])).sending ? true : undefined));
    await h.t.stack.stopApp(h.t.dispatcherApp, "SIGKILL");
    h.sim.configure({});
    await h.t.stack.startApp(h.t.dispatcherApp);
    expect(await allSent(ch, 50, 90_000)).toEqual({ sent: 50 });

    const requeued = await withPg(
      h.db,
      async (c) =>
        (
          await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM message_events WHERE message_id = ANY($1::uuid[]) AND event_type = 'requeued'`,
            [ids],
          )
        ).rows[0]!.n,
    );
    const { recipients } = (await (await fetch(`${h.sim.httpUrl}/_sim/recipients/vonage`)).json()) as {
      recipients: Record<string, number>;
    };
    const ours = Object.entries(recipients).filter(([to]) => to.startsWith("2551"));
    const duplicates = ours.filter(([, n]) => n > 1).length;
    console.log(`crash drill: ${requeued} messages were in the crash window, ${duplicates} reached the provider twice`);
    expect(ours).toHaveLength(50);
    // Only messages caught between the provider call and our record can be sent twice.
    expect(duplicates).toBeLessThanOrEqual(requeued);
    expect(requeued).toBeGreaterThan(0);
  });

  it("sends everything accepted while the broker was down", async () => {
    const ch = await seedChannel(h.db, {
      channelType: "sms",
      provider: "vonage",
      credentials: vonageCredentials,
      rateLimit: 60_000,
      burst: 50,
    });
    rabbitmqctl("stop_app");
    try {
      // The API's row is the record of intent; its publish fails while the broker is away.
      await seedMessages(h.db, ch, 20);
      await expect(nudge(ch)).rejects.toThrow();
      await allSent(ch, 20, 60_000);
    } finally {
      rabbitmqctl("start_app");
    }
    // And the broker path works again once it is back.
    const later = await seedChannel(h.db, {
      channelType: "sms",
      provider: "vonage",
      credentials: vonageCredentials,
      rateLimit: 60_000,
      burst: 50,
    });
    await seedMessages(h.db, later, 5);
    await eventually(
      "publish accepted again",
      async () =>
        nudge(later).then(
          () => true,
          () => undefined,
        ),
      60_000,
    );
    await allSent(later, 5, 60_000);
  });
});
