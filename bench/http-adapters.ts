/**
 * Raw send rate of each HTTP adapter against the provider simulator (127.0.0.1, no added latency,
 * no faults): the adapter's own overhead plus a local HTTP round trip. Bounded runs.
 *   npx tsx bench/http-adapters.ts [sendsPerProvider=5000] [concurrency=50]
 */
import { randomUUID } from "node:crypto";
import { Agent } from "undici";
import { createAdapterRegistry } from "../adapters/registry.js";
import { DispatchPayload } from "../adapters/contract/types.js";
import { type ChannelType } from "../core/messages/vocabulary.js";
import { drive, percentile, printTable, spawnSimulator } from "./lib.js";

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 50);

const providers: Array<{
  name: string;
  type: ChannelType;
  key: string;
  to: string;
  credentials: Record<string, unknown>;
}> = [
  {
    name: "telegram",
    type: "telegram",
    key: "default",
    to: "123456789",
    credentials: { bot_token: "7000000001:BENCHtokenBENCHtokenBENCH" },
  },
  {
    name: "whatsapp",
    type: "whatsapp",
    key: "default",
    to: "+251911000000",
    credentials: {
      access_token: "bench-access-token",
      phone_number_id: "300000000000001",
      app_secret: "bench-app-secret",
      verify_token: "bench-verify",
    },
  },
  {
    name: "messenger",
    type: "messenger",
    key: "default",
    to: "6723591847361234",
    credentials: {
      page_access_token: "bench-page-token",
      page_id: "100000000000001",
      app_secret: "bench-app-secret",
      verify_token: "bench-verify",
    },
  },
  {
    name: "twilio",
    type: "sms",
    key: "twilio",
    to: "+251911000000",
    credentials: { account_sid: "AC" + "2".repeat(32), auth_token: "bench-twilio-auth-token", from: "+15005550006" },
  },
  {
    name: "africastalking",
    type: "sms",
    key: "africastalking",
    to: "+254711000000",
    credentials: { username: "sandbox", api_key: "bench-at-api-key-000001", webhook_token: "bench-at-webhook-token" },
  },
  {
    name: "vonage",
    type: "sms",
    key: "vonage",
    to: "+447700900000",
    credentials: {
      api_key: "benchkey",
      api_secret: "bench-vonage-secret",
      from: "Turumba",
      signature_secret: "bench-signature",
    },
  },
];

// No webhook URLs configured: this measures sends only.
const sim = await spawnSimulator({ defaults: { receiptDelayMs: 0 } });
const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
const registry = createAdapterRegistry({
  dispatcher,
  baseUrls: Object.fromEntries(providers.map((p) => [p.name, sim.http])),
});
const rows: Array<Record<string, string | number>> = [];
try {
  for (const p of providers) {
    const adapter = registry.get(p.type, p.key);
    const payload = (i: number) =>
      DispatchPayload.parse({
        messageId: randomUUID(),
        channelId: randomUUID(),
        channelType: p.type,
        credentials: p.credentials,
        deliveryAddress: p.to,
        messageBody: `Benchmark ${i}`,
        // The customer wrote just now: WhatsApp accepts free-form text.
        lastInboundAt: new Date().toISOString(),
      });
    await drive(300, concurrency, async (i) => {
      await adapter.send(payload(i));
    });
    const run = await drive(total, concurrency, async (i) => {
      await adapter.send(payload(i));
    });
    rows.push({
      provider: p.name,
      sends: total,
      errors: run.errors,
      "sends/s": Math.round((total - run.errors) / (run.ms / 1000)),
      "p50 ms": percentile(run.latencies, 50).toFixed(2),
      "p99 ms": percentile(run.latencies, 99).toFixed(2),
    });
  }
} finally {
  await dispatcher.close();
  await sim.stop();
}
printTable(`HTTP adapters → provider simulator on 127.0.0.1 (${total} sends each, ${concurrency} in flight)`, rows);
