/**
 * End-to-end dispatch benchmark: bulk-enqueued messages → dispatch events → channel actors →
 * provider (simulator, zero latency, its own process) → `sent` rows. Then the same work through
 * the same send turns without Dapr (direct-dispatch.ts), once fed by an amqplib consumer of the
 * same nudges and once by a plain loop, so the ratio is the runtime's own cost. Prints
 * throughput, the first send's delay, latency percentiles, CPU and memory.
 *
 *   node --import tsx bench/dispatch.ts            (BENCH_MESSAGES=20000 by default)
 *
 * Needs scripts/infra.sh (PostgreSQL, RabbitMQ) and the Dapr binaries. Loopback only; bounded.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { uuidv7 } from "../db/ids.js";
import { fileSink } from "../scripts/launcher/proc.js";
import { componentSet } from "../scripts/launcher/sets.js";
import { startStack } from "../scripts/launcher/stack.js";
import { createTestDatabase } from "../test/integration/support/database.js";
import { seedChannel, TEST_KEYS, withPg, type SeedChannel } from "../test/integration/support/seed.js";
import { consumeNudges, directDispatcher, nudgeAll } from "./direct-dispatch.js";
import { spawnSimulator } from "./lib.js";

const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CHANNELS = 4;
const MAX_BATCH = 500;
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const say = (s: string) => process.stdout.write(`${s}\n`);
const credentials = { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" };

/** CPU seconds and peak RSS of a set of processes, sampled from /proc. */
function sampler(pids: number[]) {
  const tick = 100; // USER_HZ on Linux
  const cpu = (pid: number) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      return 0;
    }
  };
  const rss = (pid: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const start = pids.map(cpu);
  const peak = new Map(pids.map((p) => [p, 0]));
  const timer = setInterval(() => pids.forEach((p) => peak.set(p, Math.max(peak.get(p)!, rss(p)))), 200);
  return {
    stop() {
      clearInterval(timer);
      return { cpuSeconds: pids.map((p, i) => cpu(p) - start[i]!), peakRssMb: pids.map((p) => peak.get(p)!) };
    },
  };
}

async function enqueue(url: string, channels: SeedChannel[], n: number): Promise<void> {
  await withPg(url, async (c) => {
    for (let i = 0; i < n; i += 5_000) {
      const size = Math.min(5_000, n - i);
      const now = new Date();
      const ids = Array.from({ length: size }, () => uuidv7(now));
      const chans = ids.map((_, k) => channels[(i + k) % channels.length]!);
      await c.query(
        `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body)
         SELECT u.id, $3, u.account_id, u.channel_id, 'telegram', 'outbound', 'queued', u.addr, 'benchmark message'
           FROM unnest($1::uuid[], $2::uuid[], $4::uuid[], $5::text[]) AS u(id, channel_id, account_id, addr)`,
        [ids, chans.map((c) => c.id), now, chans.map((c) => c.accountId), ids.map((_, k) => String(700000 + i + k))],
      );
    }
  });
}

async function waitAllSent(url: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await withPg(
      url,
      async (c) =>
        (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0]!.n,
    );
    process.stdout.write(`\r  sent ${done}/${n}   `);
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`only ${done}/${n} sent after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write("\n");
}

/** Enqueue → sent percentiles, and the first send's delay after the first nudge (`started`, ms). */
async function latency(
  url: string,
  started: number,
): Promise<{ p50: number; p95: number; p99: number; firstSendMs: number; sentIn1s: number; sentIn4s: number }> {
  return withPg(url, async (c) => {
    const r = await c.query(
      `SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p,
              extract(epoch FROM min(sent_at)) * 1000 AS first,
              count(*) FILTER (WHERE sent_at < to_timestamp($1 / 1000.0) + interval '1 second')::int AS in1s,
              count(*) FILTER (WHERE sent_at < to_timestamp($1 / 1000.0) + interval '4 seconds')::int AS in4s
         FROM messages WHERE status = 'sent'`,
      [started],
    );
    const p = r.rows[0].p as number[];
    if (process.env.BENCH_TIMELINE) {
      // Sends per 250 ms after the first nudge, and how many distinct batches (sent_at values) made them.
      const t = await c.query(
        `SELECT floor((extract(epoch FROM sent_at) * 1000 - $1) / 250)::int AS slot, count(*)::int AS n,
                count(DISTINCT (channel_id, sent_at))::int AS batches
           FROM messages WHERE status = 'sent' GROUP BY 1 ORDER BY 1 LIMIT 24`,
        [started],
      );
      say(`  timeline (slot of 250 ms: sent/batches): ${t.rows.map((x) => `${x.slot}:${x.n}/${x.batches}`).join(" ")}`);
    }
    return {
      p50: Math.round(p[0]!),
      p95: Math.round(p[1]!),
      p99: Math.round(p[2]!),
      firstSendMs: Math.round(Number(r.rows[0].first) - started),
      sentIn1s: Number(r.rows[0].in1s),
      sentIn4s: Number(r.rows[0].in4s),
    };
  });
}

/**
 * The dispatcher sidecar's own view of the run (its Prometheus metrics): requests it served and
 * made, per method, with their mean latency, so the sidecar's share of a turn can be read off.
 */
async function printSidecarMetrics(port: number): Promise<void> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sums = new Map<string, { sum: number; count: number }>();
  for (const line of text.split("\n")) {
    const m = /^(dapr_[a-z_]+?)_(sum|count)\{(.*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m || !/latenc|duration/.test(m[1]!)) continue;
    const labels = m[3]!
      .split(",")
      .filter((l) => /^(method|path|topic|operation|success|status|actor_type)=/.test(l))
      .join(",");
    const key = `${m[1]}{${labels}}`;
    const e = sums.get(key) ?? { sum: 0, count: 0 };
    if (m[2] === "sum") e.sum += Number(m[4]);
    else e.count += Number(m[4]);
    sums.set(key, e);
  }
  say("  dispatcher sidecar, latency metrics (count, mean ms, total s):");
  for (const [k, e] of [...sums]
    .filter(([, e]) => e.count > 0)
    .sort((a, b) => b[1].sum - a[1].sum)
    .slice(0, 20))
    say(`    ${k}: ${e.count}, ${(e.sum / e.count).toFixed(2)}, ${(e.sum / 1000).toFixed(1)}`);
}

interface RunFigures {
  name: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  firstSendMs: number;
  sentIn1s: number;
  sentIn4s: number;
  cpuSeconds: number;
  peakRssMb: number;
}

async function daprRun(simHttp: string): Promise<RunFigures> {
  const database = await createTestDatabase("bench_dapr");
  const runDir = mkdtempSync(join(tmpdir(), "turumba-bench-"));
  const logs = fileSink(join(runDir, "stack.log"));
  say(`stack log: ${join(runDir, "stack.log")}`);
  const set = componentSet("production");
  const stack = await startStack({
    name: "bench",
    ...set,
    apps: set.apps.map((a) => ({
      ...a,
      env: {
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
        DISPATCH_MAX_BATCH: String(MAX_BATCH),
        // e.g. BENCH_NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/prof (written when the app exits)
        ...(process.env.BENCH_NODE_OPTIONS && a.role === "dispatcher"
          ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }
          : {}),
      },
    })),
    daprLogLevel: (process.env.BENCH_DAPR_LOG_LEVEL ?? "warn") as "debug" | "info" | "warn" | "error",
    env: {
      ...set.env,
      DATABASE_URL: database.url,
      TURUMBA_SECRET_DAPR_STATE_PG_URL: database.url,
      CREDENTIALS_KEYS: TEST_KEYS,
      PROVIDER_BASE_URLS: JSON.stringify({ telegram: simHttp }),
    },
    basePort: 30000,
    runDir,
    sink: logs.sink,
  });
  try {
    const channels: SeedChannel[] = [];
    for (let i = 0; i < CHANNELS; i++)
      channels.push(
        await seedChannel(database.url, { channelType: "telegram", credentials, rateLimit: 6_000_000, burst: 1_000 }),
      );
    await enqueue(database.url, channels, N);
    const d = stack.apps.get("dispatcher")!;
    const pids = [d.app!.pid, d.daprd!.pid];
    const sample = sampler(pids);
    const started = Date.now();
    const api = stack.apps.get("messaging-api")!;
    // Bulk enqueue publishes one nudge per channel per 1,000 messages, as a campaign fan-out does.
    for (let i = 0; i < N; i += 1_000) {
      for (const ch of channels) {
        const res = await fetch(
          `http://127.0.0.1:${api.ports.daprHttp}/v1.0/publish/pubsub/message.dispatch.telegram`,
          {
            method: "POST",
            headers: { "content-type": "application/json", "dapr-api-token": stack.tokens.daprApiToken },
            body: JSON.stringify({ channelId: ch.id }),
          },
        );
        if (res.status >= 300) throw new Error(`publish failed: ${res.status}`);
      }
    }
    await waitAllSent(database.url, N, 600_000);
    const seconds = (Date.now() - started) / 1000;
    const usage = sample.stop();
    const lat = await latency(database.url, started);
    if (process.env.BENCH_DAPR_METRICS) await printSidecarMetrics(d.ports.daprMetrics);
    return {
      name: "Dapr (RabbitMQ, PostgreSQL actor state, channel actors)",
      seconds,
      perSecond: N / seconds,
      ...lat,
      cpuSeconds: usage.cpuSeconds.reduce((a, b) => a + b, 0),
      peakRssMb: usage.peakRssMb.reduce((a, b) => a + b, 0),
    };
  } finally {
    await stack.stop();
    logs.close();
    await database.drop();
  }
}

/**
 * The same work without Dapr: the same send turns, adapters and statements (direct-dispatch.ts),
 * driven either by the same nudges consumed from RabbitMQ with amqplib or by a plain loop.
 */
async function directRun(simHttp: string, driver: "amqp" | "loop"): Promise<RunFigures> {
  const database = await createTestDatabase(`bench_direct_${driver}`);
  const { runMigrations } = await import("../db/migrate.js");
  const { openDatabase } = await import("../db/client.js");
  const { runMaintenance } = await import("../db/maintenance.js");
  const db = await openDatabase({ url: database.url, applicationName: "bench-direct" });
  await runMigrations(db);
  // The month's partition, as the dispatcher's start-up maintenance makes it before the Dapr run's rows.
  await runMaintenance(db, new Date());
  const dispatcher = directDispatcher({
    db,
    keys: TEST_KEYS,
    providerBaseUrls: { telegram: simHttp },
    maxBatch: MAX_BATCH,
  });
  const conn = driver === "amqp" ? await amqp.connect(AMQP_URL) : undefined;
  const ch = await conn?.createChannel();
  const queue = `bench.direct.${Date.now()}`;
  await ch?.assertQueue(queue, { durable: true, autoDelete: false });
  try {
    const channels: SeedChannel[] = [];
    for (let i = 0; i < CHANNELS; i++)
      channels.push(
        await seedChannel(database.url, { channelType: "telegram", credentials, rateLimit: 6_000_000, burst: 1_000 }),
      );
    await enqueue(database.url, channels, N);
    const sample = sampler([process.pid]);
    const started = Date.now();
    if (ch) {
      await consumeNudges(dispatcher, ch, queue);
      // The same nudges as the Dapr run: one per channel per 1,000 messages, persistent.
      for (let i = 0; i < N; i += 1_000)
        for (const c of channels)
          ch.sendToQueue(queue, Buffer.from(JSON.stringify({ channelId: c.id })), { persistent: true });
    } else {
      nudgeAll(
        dispatcher,
        channels.map((c) => c.id),
      );
    }
    await waitAllSent(database.url, N, 600_000);
    const seconds = (Date.now() - started) / 1000;
    const usage = sample.stop();
    const lat = await latency(database.url, started);
    say(
      `  ${driver}: port calls (calls, mean ms, summed s): ${[...dispatcher.phases()].map(([k, v]) => `${k} ${v.calls}, ${(v.ms / v.calls).toFixed(1)}, ${(v.ms / 1000).toFixed(1)}`).join("; ")}`,
    );
    return {
      name:
        driver === "amqp"
          ? "direct: amqplib consumer → same turns, no Dapr"
          : "direct: in-process loop → same turns, no broker",
      seconds,
      perSecond: N / seconds,
      ...lat,
      cpuSeconds: usage.cpuSeconds[0]!,
      peakRssMb: usage.peakRssMb[0]!,
    };
  } finally {
    await dispatcher.close();
    if (ch) await ch.deleteQueue(queue).catch(() => undefined);
    await conn?.close();
    await db.close();
    await database.drop();
  }
}

const sim = await spawnSimulator({});
try {
  say(`dispatch benchmark: ${N} messages over ${CHANNELS} Telegram channels, simulator at zero latency (own process)`);
  say(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  // BENCH_ONLY=dapr|amqp|loop runs one path alone (to profile it).
  const only = process.env.BENCH_ONLY;
  const runs: RunFigures[] = [];
  if (!only || only === "dapr") runs.push(await daprRun(sim.http));
  if (!only || only === "amqp") runs.push(await directRun(sim.http, "amqp"));
  if (!only || only === "loop") runs.push(await directRun(sim.http, "loop"));
  say("");
  say("| path | msg/s | wall s | first send ms | sent in 1 s / 4 s | p50 ms | p95 ms | p99 ms | CPU s | peak RSS MB |");
  say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of runs) {
    say(
      `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.firstSendMs} | ${r.sentIn1s} / ${r.sentIn4s} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.cpuSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  if (runs.length === 3) {
    const [dapr, amqpDirect, loopDirect] = runs as [RunFigures, RunFigures, RunFigures];
    say("");
    say(
      `Dapr / direct (amqplib): ${(dapr.perSecond / amqpDirect.perSecond).toFixed(2)}× the rate, ${(amqpDirect.perSecond / dapr.perSecond).toFixed(2)}× the time per message (target ≤ 2×)`,
    );
    say(`Dapr / direct (loop): ${(dapr.perSecond / loopDirect.perSecond).toFixed(2)}× the rate`);
  }
  say(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  say(
    "CPU and RSS: the dispatcher app + its daprd for Dapr; the benchmark process for the direct paths. Latency: enqueue → sent row; first send: first nudge → first sent row.",
  );
} finally {
  await sim.stop();
}
