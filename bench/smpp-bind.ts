/**
 * submit_sm throughput of ONE transceiver bind against the simulator's SMSC (127.0.0.1),
 * for several window sizes. Bounded: a fixed number of submits per run.
 *   npx tsx bench/smpp-bind.ts [submitsPerRun=20000]
 */
import { randomUUID } from "node:crypto";
import { outboundPolicy } from "../adapters/contract/outbound-address.js";
import { SmppCredentials } from "../adapters/smpp/credentials.js";
import { SmppSession } from "../adapters/smpp/session.js";
import { drive, percentile, printTable, spawnSimulator } from "./lib.js";

const total = Number(process.argv[2] ?? 20_000);
const windows = [1, 10, 50, 100];

const sim = await spawnSimulator({ defaults: { receiptDelayMs: 5 }, smpp: { systemId: "bench", password: "bench" } });
const rows: Array<Record<string, string | number>> = [];
try {
  for (const window of windows) {
    const session = new SmppSession(
      SmppCredentials.parse({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "bench",
        password: "bench",
        source_addr: "8080",
        window_size: window,
      }),
      // The simulator listens on loopback, which only the operator's allow-list opens.
      { queueTimeoutMs: 120_000, responseTimeoutMs: 60_000, outbound: outboundPolicy("127.0.0.1") },
    );
    const runIds = new Set<string>();
    let receipts = 0;
    session.onReceipt((u) => {
      if (runIds.has(u.metadata.messageId as string)) receipts++;
    });
    await session.start();
    // Warm up the JIT and the connection before measuring.
    await drive(500, window, async () => {
      await session.submit({ messageId: randomUUID(), to: "251911000000", text: "warm-up" });
    });
    const run = await drive(total, window, async (i) => {
      const messageId = randomUUID();
      runIds.add(messageId);
      await session.submit({ messageId, to: `2519${String(i).padStart(8, "0")}`, text: `Benchmark message ${i}` });
    });
    const waitUntil = Date.now() + 10_000;
    while (receipts < total - run.errors && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
    await session.close();
    rows.push({
      window,
      submits: total,
      errors: run.errors,
      seconds: (run.ms / 1000).toFixed(2),
      "submit_sm/s": Math.round((total - run.errors) / (run.ms / 1000)),
      "resp p50 ms": percentile(run.latencies, 50).toFixed(2),
      "resp p99 ms": percentile(run.latencies, 99).toFixed(2),
      receipts,
    });
  }
} finally {
  await sim.stop();
}
printTable(
  `SMPP: one transceiver bind → simulator SMSC on 127.0.0.1 (${total} single-segment submit_sm per window size; target ≥ 1,000/s)`,
  rows,
);
