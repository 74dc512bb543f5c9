/**
 * Callback fan-out benchmark: 10,000 message status changes on the production stack (RabbitMQ,
 * PostgreSQL, real sidecars), each delivered to one tenant endpoint on loopback that answers 200
 * at once. The status changes are real: signed WhatsApp `delivered` webhooks for messages the
 * provider accepted, applied by the status consumer, which emits the callbacks. Prints events/s
 * delivered (first event emitted → last delivered) and the event → delivery latency (the event's
 * created_at, stamped when the status write committed, to its arrival at the endpoint).
 *
 *   node --import tsx bench/callbacks.ts   (BENCH_EVENTS=10000, BENCH_PER_WEBHOOK=50, BENCH_CONNECTIONS=8,
 *                                           CALLBACK_CONCURRENCY=32, CALLBACK_RATE_PER_SECOND=100000)
 *
 * The endpoint's caps are raised for the run (the defaults, 8 in flight and 100/s, would measure
 * the cap); set them in the environment to measure others. Needs scripts/infra.sh and the Dapr
 * binaries. Loopback only; bounded by BENCH_EVENTS.
 */
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startCampaignHarness } from "../test/integration/campaign/harness.js";
import { withPg } from "../test/integration/support/seed.js";
import { seedSentWhatsApp } from "./seed-sent.js";
import { drive, percentile } from "./lib.js";

const N = Number(process.env.BENCH_EVENTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 20_400);
const PER = Number(process.env.BENCH_PER_WEBHOOK ?? 50);
const CONCURRENCY = process.env.CALLBACK_CONCURRENCY ?? "32";
const RATE = process.env.CALLBACK_RATE_PER_SECOND ?? "100000";
const SECRET = "bench-meta-app-secret";
const say = (s: string) => process.stdout.write(`${s}\n`);

// The tenant's endpoint: answers at once, records when each event arrived.
const arrivals = new Map<string, { at: number; createdAt: number }>();
let requests = 0;
const sink = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    requests++;
    const e = JSON.parse(body) as { id: string; created_at: string };
    if (!arrivals.has(e.id)) arrivals.set(e.id, { at: Date.now(), createdAt: Date.parse(e.created_at) });
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;

const H = await startCampaignHarness({
  basePort: BASE_PORT,
  appEnv: {
    LOG_LEVEL: "warn",
    WEBHOOK_RATE_PER_CHANNEL: "1000000",
    CALLBACK_ALLOW_HTTP: "true",
    CALLBACK_CONCURRENCY: CONCURRENCY,
    CALLBACK_RATE_PER_SECOND: RATE,
  },
});
try {
  const channelId = await H.channel({
    name: "wa-bench",
    channel_type: "whatsapp",
    credentials: {
      access_token: "bench-access-token",
      phone_number_id: "300000000000009",
      app_secret: SECRET,
      verify_token: "bench-verify-token",
    },
    rate_limit: 60_000,
  });
  const ep = await H.api("POST", "/v1/webhook-endpoints", { url: sinkUrl, event_types: ["message.status"] });
  if (ep.status !== 201) throw new Error(`endpoint: ${ep.status} ${JSON.stringify(ep.body)}`);

  // N messages the provider has accepted (status sent, provider ids known).
  const wamid = (i: number) => `wamid.CB${String(i).padStart(8, "0")}`;
  await withPg(H.h.db, async (c) => {
    await seedSentWhatsApp(c, { accountId: H.accountId, channelId }, N, wamid);
    await c.query("ANALYZE messages");
  });

  // PER statuses per webhook: the provider batches them, and the receiver's own rate is
  // bench/webhooks.ts's subject; here the status changes should come faster than callbacks go out.
  const body = (w: number) =>
    JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "200000000000009",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550000000", phone_number_id: "300000000000009" },
                statuses: Array.from({ length: Math.min(PER, N - w * PER) }, (_, k) => ({
                  id: wamid(w * PER + k),
                  status: "delivered",
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  recipient_id: `2519${30_000_000 + w * PER + k}`,
                })),
              },
            },
          ],
        },
      ],
    });
  const url = H.h.t.stack.url(H.h.t.apiApp, `/webhooks/whatsapp/${channelId}`);
  const started = Date.now();
  const load = await drive(Math.ceil(N / PER), CONNECTIONS, async (i) => {
    const b = body(i);
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(b).digest("hex")}`,
      },
      body: b,
    });
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(String(res.status));
  });
  const loadEnded = Date.now();
  while (arrivals.size < N && Date.now() - loadEnded < 300_000) await new Promise((r) => setTimeout(r, 100));

  const list = [...arrivals.values()];
  const firstEmitted = Math.min(...list.map((a) => a.createdAt));
  const lastDelivered = Math.max(...list.map((a) => a.at));
  const lat = list.map((a) => a.at - a.createdAt).sort((a, b) => a - b);
  const seconds = (lastDelivered - firstEmitted) / 1000;
  say(`callbacks: ${N} status changes (signed WhatsApp receipts), one endpoint on loopback answering at once`);
  say(
    `  endpoint caps: ${CONCURRENCY} in flight, ${RATE}/s; receipts posted ${PER} per webhook with ${CONNECTIONS} connections in ${((loadEnded - started) / 1000).toFixed(1)} s (${load.errors} errors)`,
  );
  say(
    `  delivered: ${arrivals.size}/${N} events (${requests} requests) in ${seconds.toFixed(1)} s: ${(arrivals.size / seconds).toFixed(0)} events/s`,
  );
  say(
    `  event → delivery ms: p50 ${percentile(lat, 50)}  p95 ${percentile(lat, 95)}  p99 ${percentile(lat, 99)}  max ${lat.at(-1)}`,
  );
} finally {
  await H.stop();
  sink.close();
}
