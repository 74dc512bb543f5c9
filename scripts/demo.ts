import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSimulator } from "../services/simulator/spawn.js";
import { fileSink } from "./launcher/proc.js";
import { componentSet } from "./launcher/sets.js";
import { startStack } from "./launcher/stack.js";

/**
 * The main job on the embedded default (in-memory pub/sub, SQLite actor state, PGlite data; no
 * server to install): starts placement, scheduler, the all-in-one app with its sidecar, and the
 * provider simulator; creates one channel of every type through the REST API, all pointed at
 * the simulator; sends messages through the API; waits for every one to be dispatched; and
 * prints a summary per channel type. Exits non-zero if a message was lost or not sent.
 */
const PER_CHANNEL = Number(process.env.DEMO_MESSAGES_PER_CHANNEL ?? 150);
const say = (msg: string) => process.stdout.write(`${msg}\n`);

interface DemoChannel {
  label: string;
  body: Record<string, unknown>;
  address: (i: number) => string;
  metadata?: Record<string, unknown>;
}

const runDir = mkdtempSync(join(tmpdir(), "turumba-demo-"));
const logs = fileSink(join(runDir, "platform.log"));
const sim = await spawnSimulator({});
const set = componentSet("embedded");
say(`Turumba demo — embedded default (${set.pubsub} pub/sub, ${set.state} actor state, PGlite); logs: ${join(runDir, "platform.log")}`);
const started = Date.now();
const stack = await startStack({
  name: "demo",
  ...set,
  apps: set.apps.map((a) => ({ ...a, env: { LOG_LEVEL: "warn", API_RATE_LIMIT: "0" } })),
  env: {
    PROVIDER_BASE_URLS: JSON.stringify(Object.fromEntries(["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"].map((p) => [p, sim.http]))),
  },
  basePort: 22000,
  runDir,
  sink: logs.sink,
  daprLogLevel: process.env.DEMO_DAPR_LOG_LEVEL as "debug" | undefined,
});
say(`platform up in ${((Date.now() - started) / 1000).toFixed(1)} s: placement, scheduler, app + daprd, provider simulator`);

const accountId = randomUUID();
const url = (path: string) => stack.url("turumba", path);
let apiKey = "";
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url(path), {
    method,
    headers: { "content-type": "application/json", ...(apiKey ? { "x-api-key": apiKey } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const CHANNELS: DemoChannel[] = [
  { label: "telegram", body: { channel_type: "telegram", credentials: { bot_token: "7000000001:DEMOtokenDEMOtokenDEMOtoken" } }, address: (i) => String(800000 + i) },
  {
    label: "whatsapp",
    body: { channel_type: "whatsapp", credentials: { access_token: "demo-access-token", phone_number_id: "300000000000001", app_secret: "sim-meta-app-secret", verify_token: "demo-verify-token" } },
    address: (i) => `+2519110${String(i).padStart(5, "0")}`,
    // Free-form WhatsApp messages need an open 24-hour customer-care window.
    metadata: { last_inbound_at: new Date().toISOString() },
  },
  {
    label: "messenger",
    body: { channel_type: "messenger", credentials: { page_access_token: "demo-page-token", page_id: "100000000000001", app_secret: "sim-meta-app-secret", verify_token: "demo-verify-token" } },
    address: (i) => String(6723591800000000 + i),
  },
  { label: "sms/twilio", body: { channel_type: "sms", provider: "twilio", credentials: { account_sid: `AC${"1".repeat(32)}`, auth_token: "demo-twilio-auth-token", from: "+15005550006" } }, address: (i) => `+2519120${String(i).padStart(5, "0")}` },
  { label: "sms/africastalking", body: { channel_type: "sms", provider: "africastalking", credentials: { username: "sandbox", api_key: "demo-at-api-key-000001", webhook_token: "demo-at-webhook-token-01" } }, address: (i) => `+2547110${String(i).padStart(5, "0")}` },
  { label: "sms/vonage", body: { channel_type: "sms", provider: "vonage", credentials: { api_key: "demokey1", api_secret: "demo-vonage-secret", from: "Turumba", signature_secret: "sim-vonage-signature-secret" } }, address: (i) => `+4477009${String(i).padStart(5, "0")}` },
  { label: "smpp", body: { channel_type: "smpp", credentials: { host: "127.0.0.1", port: sim.smppPort, system_id: "turumba", password: "secret", source_addr: "TURUMBA" } }, address: (i) => `+2519130${String(i).padStart(5, "0")}` },
  { label: "email", body: { channel_type: "email", credentials: { smtp_host: "127.0.0.1", smtp_port: sim.smtpPort, require_tls: false, from_email: "demo@turumba.test" } }, address: (i) => `user${i}@example.test` },
];

let exitCode = 0;
try {
  const { key } = (await call("POST", "/internal/api-keys", { accountId, name: "demo" }, { authorization: `Bearer ${stack.tokens.opsApiToken}` })) as { key: string };
  apiKey = key;

  const channelIds = new Map<string, string>();
  for (const ch of CHANNELS) {
    const created = await call("POST", "/v1/channels", { account_id: accountId, name: `demo ${ch.label}`, rate_limit: 60_000, burst: 200, ...ch.body });
    channelIds.set(ch.label, created.id as string);
  }
  say(`created ${CHANNELS.length} channels through the REST API: ${CHANNELS.map((c) => c.label).join(", ")}`);

  const t0 = Date.now();
  const ids = new Map<string, string[]>();
  let accepted = 0;
  for (const ch of CHANNELS) {
    const list: string[] = [];
    for (let i = 0; i < PER_CHANNEL; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, PER_CHANNEL - i) }, (_, k) =>
          call("POST", "/v1/messages", {
            account_id: accountId,
            channel_id: channelIds.get(ch.label),
            delivery_address: ch.address(i + k),
            message_body: `Hello from Turumba (${ch.label} #${i + k})`,
            ...(ch.metadata ? { metadata: ch.metadata } : {}),
          }),
        ),
      );
      list.push(...batch.map((m) => m.id as string));
      accepted += batch.length;
      process.stdout.write(`\raccepted ${accepted}/${PER_CHANNEL * CHANNELS.length} messages`);
    }
    ids.set(ch.label, list);
  }
  say("");

  const total = PER_CHANNEL * CHANNELS.length;
  const summary = new Map<string, { sent: number; failed: number; latencies: number[] }>();
  const deadline = Date.now() + 180_000;
  for (;;) {
    let done = 0;
    for (const ch of CHANNELS) {
      const rows: Record<string, unknown>[] = [];
      for (let skip = 0; skip < PER_CHANNEL; skip += 100) {
        const page = await call("GET", `/v1/messages?filter=channel_id:eq:${channelIds.get(ch.label)}&limit=100&skip=${skip}&sort=created_at:asc`);
        rows.push(...(page.items as Record<string, unknown>[]));
      }
      const sent = rows.filter((r) => r.status === "sent" || r.status === "delivered" || r.status === "read");
      const failed = rows.filter((r) => r.status === "failed");
      summary.set(ch.label, {
        sent: sent.length,
        failed: failed.length,
        latencies: sent.map((r) => Date.parse(r.sent_at as string) - Date.parse(r.created_at as string)),
      });
      done += sent.length + failed.length;
    }
    process.stdout.write(`\rdispatched ${done}/${total}`);
    if (done >= total || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const seconds = (Date.now() - t0) / 1000;
  say("\n");
  say("channel               sent  failed   p50 ms   p95 ms   p99 ms");
  let sentAll = 0;
  const all: number[] = [];
  for (const ch of CHANNELS) {
    const s = summary.get(ch.label)!;
    const l = s.latencies.sort((a, b) => a - b);
    const pct = (q: number) => String(l[Math.min(l.length - 1, Math.floor(q * l.length))] ?? "-");
    say(`${ch.label.padEnd(20)} ${String(s.sent).padStart(5)} ${String(s.failed).padStart(7)} ${pct(0.5).padStart(8)} ${pct(0.95).padStart(8)} ${pct(0.99).padStart(8)}`);
    sentAll += s.sent;
    all.push(...l);
  }
  const stats = (await (await fetch(`${sim.http}/_sim/stats`)).json()) as { providers: Record<string, { accepted?: number; units?: number }> };
  const providerAccepted = Object.values(stats.providers).reduce((n, p) => n + (p.accepted ?? 0), 0);
  say("");
  say(`messages accepted by the API   ${total}`);
  say(`sent (our records)             ${sentAll}`);
  say(`accepted by the providers      ${providerAccepted} (simulator's own count)`);
  say(`throughput                     ${(sentAll / seconds).toFixed(0)} messages/s, API request to provider, ${seconds.toFixed(1)} s in all`);
  if (sentAll !== total || providerAccepted < total) exitCode = 1;
} catch (err) {
  say(`\ndemo failed: ${err instanceof Error ? err.message : String(err)} (see ${join(runDir, "platform.log")})`);
  exitCode = 1;
} finally {
  await stack.stop();
  logs.close();
  await sim.stop();
}
say(exitCode === 0 ? "demo OK" : "demo FAILED");
process.exit(exitCode);
