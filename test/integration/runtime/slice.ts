import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PubSubKind, StateKind } from "../../../scripts/launcher/stack.js";
import { eventually, startTestStack, type TestStack } from "../support/stack.js";

interface ProbeState {
  probes: Record<string, { attempts: number; deliveries: number }>;
  reminders: Record<string, string[]>;
  activations: number;
}
interface DeadLetters {
  total: number;
  recent: { eventId: string; data: string }[];
}

/**
 * The runtime slice every component set must pass: API → sidecar → broker → dispatcher →
 * ChannelActor, with redelivery, dead letters, persistence and reminders. Each set's test file
 * calls this with its own set and base port, plus checks of its own.
 */
export function runtimeSlice(opts: {
  set: "embedded" | "production";
  basePort: number;
  pubsub?: PubSubKind;
  state?: StateKind;
  extra?: (get: () => TestStack, channel: (name: string) => string) => void;
}) {
  // Durable state stores outlive a test run: channel ids are unique per run.
  const run = Date.now().toString(36);
  const channel = (name: string) => `${name}-${run}`;
  describe(`runtime slice on ${opts.set}${opts.pubsub ? ` (${opts.pubsub}/${opts.state})` : ""}`, () => {
    let t: TestStack;
    beforeAll(async () => {
      // Short idle timeout so a test can watch an actor deactivate and come back.
      t = await startTestStack({ ...opts, appEnv: { ACTOR_IDLE_TIMEOUT: "4s", ACTOR_SCAN_INTERVAL: "1s" } });
    });
    afterAll(async () => {
      await t?.stop();
    });

    const probeState = async (channel: string) => {
      const r = await t.ops(`/internal/probes/${channel}`);
      expect(r.status).toBe(200);
      return r.body as ProbeState;
    };

    it("delivers each published event exactly once to its actor", async () => {
      const sent = await t.ops("/internal/probes", { method: "POST", body: { channelId: channel("once"), count: 40 } });
      expect(sent.status).toBe(202);
      const ids = (sent.body as { probeIds: string[] }).probeIds;
      const state = await eventually("all 40 probes recorded", async () => {
        const s = await probeState(channel("once"));
        return ids.every((id) => s.probes[id]?.deliveries) ? s : undefined;
      });
      // Give a duplicate the time to show up before judging.
      await new Promise((r) => setTimeout(r, 2_000));
      const settled = await probeState(channel("once"));
      for (const id of ids) expect(settled.probes[id]).toMatchObject({ attempts: 1, deliveries: 1 });
      expect(Object.keys(state.probes)).toHaveLength(40);
    });

    it("redelivers an event whose handler failed until it succeeds", async () => {
      const sent = await t.ops("/internal/probes", {
        method: "POST",
        body: { channelId: channel("retry"), failTimes: 2 },
      });
      const [id] = (sent.body as { probeIds: string[] }).probeIds;
      const entry = await eventually("the probe to succeed on its third delivery", async () => {
        const e = (await probeState(channel("retry"))).probes[id!];
        return e?.deliveries ? e : undefined;
      });
      expect(entry).toMatchObject({ attempts: 3, deliveries: 1 });
    });

    it("sends a malformed event to the dead-letter topic, where it is recorded", async () => {
      const marker = `poison-${Date.now()}`;
      const sent = await t.ops("/internal/probes/raw", { method: "POST", body: { marker } });
      expect(sent.status).toBe(202);
      const log = await eventually("the poison event in the dead-letter log", async () => {
        const r = await t.ops("/internal/dead-letters/pipeline.probe");
        const dl = r.body as DeadLetters;
        return dl.recent?.some((e) => e.data.includes(marker)) ? dl : undefined;
      });
      expect(log.total).toBeGreaterThanOrEqual(1);
    });

    it("keeps actor state across a deactivation and a sidecar restart", async () => {
      const sent = await t.ops("/internal/probes", {
        method: "POST",
        body: { channelId: channel("persist"), count: 3 },
      });
      const ids = (sent.body as { probeIds: string[] }).probeIds;
      const before = await eventually("probes recorded", async () => {
        const s = await probeState(channel("persist"));
        return ids.every((id) => s.probes[id]?.deliveries === 1) ? s : undefined;
      });
      // Idle timeout is 4 s: the actor deactivates, and the next call activates it again from state.
      await new Promise((r) => setTimeout(r, 7_000));
      const reactivated = await probeState(channel("persist"));
      expect(reactivated.activations).toBeGreaterThan(before.activations);
      for (const id of ids) expect(reactivated.probes[id]?.deliveries).toBe(1);

      await t.stack.restartSidecar(t.dispatcherApp);
      if (t.apiApp !== t.dispatcherApp) await t.stack.restartSidecar(t.apiApp);
      const afterRestart = await eventually(
        "actor reachable after sidecar restart",
        async () => {
          const r = await t.ops(`/internal/probes/${channel("persist")}`);
          return r.status === 200 ? (r.body as ProbeState) : undefined;
        },
        60_000,
      );
      for (const id of ids) expect(afterRestart.probes[id]?.deliveries).toBe(1);
    });

    it("fires an actor reminder through the scheduler", async () => {
      const name = `r${Date.now()}`;
      const r = await t.ops(`/internal/probes/${channel("remind")}/reminders`, {
        method: "POST",
        body: { name, dueMs: 1_500 },
      });
      expect(r.status).toBe(202);
      const fired = await eventually(
        "the reminder to fire",
        async () => {
          const s = await probeState(channel("remind"));
          return s.reminders[name]?.length ? s.reminders[name] : undefined;
        },
        30_000,
      );
      expect(fired).toHaveLength(1);
    });

    it("refuses operator endpoints without the token and sidecar routes without the app token", async () => {
      const anon = await fetch(t.stack.url(t.apiApp, `/internal/probes/${channel("once")}`));
      expect(anon.status).toBe(401);
      expect(await anon.json()).toMatchObject({ code: "unauthorized" });
      const forged = await fetch(
        t.stack.url(t.dispatcherApp, `/actors/ChannelActor/${channel("once")}/method/getProbeState`),
        { method: "PUT" },
      );
      expect(forged.status).toBe(401);
      const sidecarNoToken = await fetch(
        `http://127.0.0.1:${t.stack.apps.get(t.apiApp)!.ports.daprHttp}/v1.0/metadata`,
      );
      expect(sidecarNoToken.status).toBe(401);
    });

    opts.extra?.(() => t, channel);
  });
}
