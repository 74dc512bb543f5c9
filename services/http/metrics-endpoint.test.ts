import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import express from "express";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { mountMetricsOnApp, startMetricsServer } from "./metrics-endpoint.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function registryWithCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: "probe_total", help: "probe", registers: [registry] }).inc(3);
  return registry;
}
const url = (s: Server, path: string) => `http://127.0.0.1:${(s.address() as AddressInfo).port}${path}`;

describe("metrics endpoint", () => {
  it("serves the registry on its own port and nothing else there", async () => {
    const s = await startMetricsServer({ registry: registryWithCounter(), host: "127.0.0.1", port: 0 });
    servers.push(s);
    const res = await fetch(url(s, "/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("probe_total 3");
    expect((await fetch(url(s, "/health"))).status).toBe(404);
    expect((await fetch(url(s, "/metrics"), { method: "POST" })).status).toBe(404);
  });

  it("serves the registry on the app when no metrics port is set", async () => {
    const app = express();
    mountMetricsOnApp(app, registryWithCounter());
    const s = createServer(app).listen(0, "127.0.0.1");
    servers.push(s);
    await new Promise((r) => s.once("listening", r));
    expect(await (await fetch(url(s, "/metrics"))).text()).toContain("probe_total 3");
  });
});
