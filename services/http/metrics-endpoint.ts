/**
 * Where Prometheus scrapes us. With a metrics port the registry is served by a listener of its
 * own, so the public API port carries no /metrics (a NetworkPolicy can then open the metrics port
 * to the monitoring namespace only); without one, /metrics stays on the app's port, which is what
 * the local launcher and the tests scrape.
 */

import { createServer, type Server } from "node:http";
import type { Express } from "express";
import type { Registry } from "prom-client";

async function send(registry: Registry, res: { setHeader(n: string, v: string): void; end(b: string): void }) {
  res.setHeader("content-type", registry.contentType);
  res.end(await registry.metrics());
}

/** Serves GET /metrics on the app itself: only when no separate metrics port is configured. */
export function mountMetricsOnApp(app: Express, registry: Registry): void {
  app.get("/metrics", (_req, res, next) => {
    send(registry, res).catch(next);
  });
}

/** A listener that answers GET /metrics and nothing else (404), on its own port. */
export async function startMetricsServer(opts: { registry: Registry; host: string; port: number }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.statusCode = 404;
      res.end();
      return;
    }
    send(opts.registry, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
