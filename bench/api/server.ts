import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import { openDatabase } from "../../db/client.js";
import { createApiApp } from "../../services/api/app.js";
import { loadApiConfig } from "../../services/api/config.js";

/**
 * The API under test, in its own process so it does not share an event loop with the load
 * generator. Events go to a counting publisher (no broker in this benchmark); the database is
 * BENCH_DATABASE_URL. Prints one JSON line with its URL, then serves until SIGTERM.
 */
class CountingPublisher implements EventPublisher {
  count = 0;
  async publish(): Promise<void> {
    this.count++;
  }
}

const db = await openDatabase({
  url: process.env.BENCH_DATABASE_URL!,
  poolMax: Number(process.env.BENCH_POOL ?? 8),
  idleTimeoutMs: 0,
  applicationName: "bench-api",
});
const publisher = new CountingPublisher();
const app = createApiApp({
  db,
  publisher,
  config: loadApiConfig({ API_RATE_LIMIT: "1000000", ...process.env }),
  logger: createLogger("bench-api", { level: "warn" }),
});
const server = createServer(app);
server.keepAliveTimeout = 65_000;
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.stdout.write(`${JSON.stringify({ published: publisher.count })}\n`);
  void db.close().finally(() => process.exit(0));
});
