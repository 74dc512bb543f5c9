import type { AddressInfo } from "node:net";
import { AbstractActor } from "@dapr/dapr";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.js";
import { createActorHost } from "./actor-host.js";

/** An actor whose timer and reminder callbacks fail, as a send turn does when its sidecar is gone. */
class FailingActor extends AbstractActor {
  async tick(): Promise<void> {
    throw new Error("connect ECONNREFUSED (the sidecar is gone)");
  }

  override async receiveReminder(): Promise<void> {
    throw new Error("connect ECONNREFUSED (the sidecar is gone)");
  }
}

describe("actor host", () => {
  let base = "";
  let close: () => Promise<void>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    // No sidecar answers on this port: nothing here may need one.
    const cfg = loadConfig({ DAPR_HTTP_PORT: "1" });
    const host = await createActorHost(cfg, [FailingActor]);
    const app = express();
    app.use(host.handler);
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((r) => server.close(() => r()));
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await close();
  });

  it.each([
    ["a timer", "method/timer/wake", { callback: "tick", data: null }],
    ["a reminder", "method/remind/due", { data: null, dueTime: "0s" }],
  ])("answers 500 when %s callback fails, and the process keeps running", async (_what, path, body) => {
    const res = await fetch(`${base}/actors/FailingActor/a1/${path}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(500);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });
});
