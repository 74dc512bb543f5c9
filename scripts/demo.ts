import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileSink } from "./launcher/proc.js";
import { componentSet } from "./launcher/sets.js";
import { startStack } from "./launcher/stack.js";

/**
 * The main job on the embedded default: starts placement, scheduler, the all-in-one app and its
 * sidecar, pushes pipeline probes through API → sidecar → broker → dispatcher → channel actors,
 * fires a reminder and a poison event, and prints what happened. Exits non-zero if any event
 * was lost or delivered twice.
 */
const TOTAL = Number(process.env.DEMO_EVENTS ?? 2_000);
const CHANNELS = 10;
const BATCH = 50;

const runDir = mkdtempSync(join(tmpdir(), "turumba-demo-"));
const logs = fileSink(join(runDir, "platform.log"));
const say = (msg: string) => process.stdout.write(`${msg}\n`);

const set = componentSet("embedded");
say(`Turumba demo — embedded default (${set.pubsub} pub/sub, ${set.state} actor state); logs: ${join(runDir, "platform.log")}`);
const started = Date.now();
const stack = await startStack({ name: "demo", ...set, basePort: 22000, runDir, sink: logs.sink, daprLogLevel: process.env.DEMO_DAPR_LOG_LEVEL as "debug" | undefined });
say(`platform up in ${((Date.now() - started) / 1000).toFixed(1)} s: placement, scheduler, app + daprd`);

const api = (path: string, body?: unknown) =>
  fetch(stack.url("turumba", path), {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${stack.tokens.opsApiToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => {
    if (r.status >= 300) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
    return r.json();
  });

interface Ledger {
  probes: Record<string, { sentAt?: string; firstSeenAt: string; deliveries: number; attempts: number }>;
  reminders: Record<string, string[]>;
}

let exitCode = 0;
try {
  const ids = new Set<string>();
  const t0 = Date.now();
  for (let sent = 0; sent < TOTAL; sent += BATCH) {
    const channelId = `demo-${(sent / BATCH) % CHANNELS}`;
    const r = (await api("/internal/probes", { channelId, count: Math.min(BATCH, TOTAL - sent) })) as { probeIds: string[] };
    r.probeIds.forEach((id) => ids.add(id));
    process.stdout.write(`\rpublished ${ids.size}/${TOTAL}`);
  }
  const publishMs = Date.now() - t0;
  say("");
  await api("/internal/probes/demo-0/reminders", { name: "demo-reminder", dueMs: 1_000 });
  await api("/internal/probes/raw", { not: "a probe" });

  let ledgers: Ledger[] = [];
  let delivered = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    ledgers = [];
    for (let i = 0; i < CHANNELS; i++) ledgers.push((await api(`/internal/probes/demo-${i}`)) as Ledger);
    delivered = ledgers.reduce((n, l) => n + Object.values(l.probes).filter((p) => p.deliveries > 0).length, 0);
    process.stdout.write(`\rdelivered ${delivered}/${TOTAL}`);
    if (delivered >= TOTAL && ledgers[0]?.reminders["demo-reminder"]?.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const doneMs = Date.now() - t0;
  say("");
  const entries = ledgers.flatMap((l) => Object.values(l.probes));
  const duplicates = entries.filter((p) => p.deliveries > 1).length;
  const latencies = entries
    .filter((p) => p.sentAt)
    .map((p) => Date.parse(p.firstSeenAt) - Date.parse(p.sentAt!))
    .sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const dead = (await api("/internal/dead-letters/pipeline.probe")) as { total: number };

  say("");
  say("summary");
  say(`  events published       ${ids.size} in ${(publishMs / 1000).toFixed(2)} s`);
  say(`  delivered to actors    ${delivered} (${CHANNELS} channel actors)`);
  say(`  lost                   ${ids.size - delivered}`);
  say(`  delivered twice        ${duplicates}`);
  say(`  throughput             ${((delivered / doneMs) * 1000).toFixed(0)} events/s end to end`);
  say(`  latency p50/p95/p99    ${pct(0.5)} / ${pct(0.95)} / ${pct(0.99)} ms (API publish → actor state)`);
  say(`  reminder fired         ${ledgers[0]?.reminders["demo-reminder"]?.length ? "yes" : "no"}`);
  say(`  dead-lettered poison   ${dead.total}`);
  if (delivered !== ids.size || duplicates > 0 || !ledgers[0]?.reminders["demo-reminder"]?.length || dead.total < 1) exitCode = 1;
} catch (err) {
  say(`\ndemo failed: ${err instanceof Error ? err.message : String(err)} (see ${join(runDir, "platform.log")})`);
  exitCode = 1;
} finally {
  await stack.stop();
  logs.close();
}
say(exitCode === 0 ? "demo OK" : "demo FAILED");
process.exit(exitCode);
