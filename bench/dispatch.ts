/**
 * End-to-end dispatch benchmark: bulk-enqueued messages → dispatch events → channel actors →
 * provider (simulator, zero latency, its own process) → `sent` rows. Then the same work through
 * a direct baseline without Dapr (one plain AMQP consumer → adapter → PostgreSQL), so the cost of
 * the runtime shows as a ratio. Prints throughput, latency percentiles, CPU and memory.
 *
 *   node --import tsx bench/dispatch.ts            (BENCH_MESSAGES=20000 by default)
 *
 * Needs scripts/infra.sh (PostgreSQL, RabbitMQ) and the Dapr binaries. Loopback only; bounded.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import pg from "pg";
import { createAdapterRegistry } from "../adapters/registry.js";
import { uuidv7 } from "../db/ids.js";
import { fileSink } from "../scripts/launcher/proc.js";
import { componentSet } from "../scripts/launcher/sets.js";
import { startStack } from "../scripts/launcher/stack.js";
import { createTestDatabase } from "../test/integration/support/database.js";
import { seedChannel, TEST_KEYS, withPg, type SeedChannel } from "../test/integration/support/seed.js";
import { spawnSimulator } from "./lib.js";

const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CHANNELS = 4;
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

async function latency(
  url: string,
): Promise<{ p50: number; p95: number; p99: number; firstCreated: number; lastSent: number }> {
  return withPg(url, async (c) => {
    const r = await c.query(
      `SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p,
              extract(epoch FROM min(created_at)) * 1000 AS first, extract(epoch FROM max(sent_at)) * 1000 AS last
         FROM messages WHERE status = 'sent'`,
    );
    const p = r.rows[0].p as number[];
    return {
      p50: Math.round(p[0]!),
      p95: Math.round(p[1]!),
      p99: Math.round(p[2]!),
      firstCreated: Number(r.rows[0].first),
      lastSent: Number(r.rows[0].last),
    };
  });
}

interface RunFigures {
  name: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  cpuSeconds: number;
  peakRssMb: number;
}

async function daprRun(simHttp: string): Promise<RunFigures> {
  const database = await createTestDatabase("bench_dapr");
  const runDir = mkdtempSync(join(tmpdir(), "turumba-bench-"));
  const logs = fileSink(join(runDir, "stack.log"));
  const set = componentSet("production");
  const stack = await startStack({
    name: "bench",
    ...set,
    apps: set.apps.map((a) => ({ ...a, env: { LOG_LEVEL: "warn", DISPATCH_MAX_BATCH: "500" } })),
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
    const lat = await latency(database.url);
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

/** The same work without Dapr: a plain AMQP consumer claims, sends and records one message at a time. */
async function baselineRun(simHttp: string): Promise<RunFigures> {
  const database = await createTestDatabase("bench_direct");
  const { runMigrations } = await import("../db/migrate.js");
  const { openDatabase } = await import("../db/client.js");
  const db = await openDatabase({ url: database.url });
  await runMigrations(db);
  await db.close();
  const pool = new pg.Pool({ connectionString: database.url, max: 20 });
  // Dropping the test database at the end terminates any connection still open: not an error here.
  pool.on("error", () => undefined);
  const adapter = createAdapterRegistry({ baseUrls: { telegram: simHttp } }).get("telegram");
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const queue = `bench.direct.${Date.now()}`;
  await ch.assertQueue(queue, { durable: true, autoDelete: false });
  try {
    const channels: SeedChannel[] = [];
    for (let i = 0; i < CHANNELS; i++)
      channels.push(
        await seedChannel(database.url, { channelType: "telegram", credentials, rateLimit: 6_000_000, burst: 1_000 }),
      );
    await enqueue(database.url, channels, N);
    const rows = (
      await pool.query<{ id: string; created_at: Date; channel_id: string }>(
        `SELECT id, created_at, channel_id FROM messages`,
      )
    ).rows;
    const sample = sampler([process.pid]);
    const started = Date.now();
    for (const r of rows) ch.sendToQueue(queue, Buffer.from(JSON.stringify(r)), { persistent: true });
    await ch.prefetch(256);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      const m = JSON.parse(msg.content.toString()) as { id: string; created_at: string; channel_id: string };
      void (async () => {
        const claimed = await pool.query(
          `UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE id = $1 AND created_at = $2 AND status = 'queued' RETURNING delivery_address, message_body`,
          [m.id, m.created_at],
        );
        const row = claimed.rows[0];
        if (row) {
          const result = await adapter.send({
            messageId: m.id,
            channelId: m.channel_id,
            channelType: "telegram",
            credentials,
            deliveryAddress: row.delivery_address,
            messageBody: row.message_body,
            metadata: {},
          });
          await pool.query(
            `UPDATE messages SET status = 'sent', provider_message_id = $3, sent_at = now() WHERE id = $1 AND created_at = $2`,
            [m.id, m.created_at, result.providerMessageId],
          );
        }
        ch.ack(msg);
      })().catch(() => ch.nack(msg, false, true));
    });
    await waitAllSent(database.url, N, 600_000);
    const seconds = (Date.now() - started) / 1000;
    const usage = sample.stop();
    const lat = await latency(database.url);
    return {
      name: "direct baseline (amqplib consumer → adapter → pg, no Dapr)",
      seconds,
      perSecond: N / seconds,
      ...lat,
      cpuSeconds: usage.cpuSeconds[0]!,
      peakRssMb: usage.peakRssMb[0]!,
    };
  } finally {
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close();
    await pool.end();
    await database.drop();
  }
}

const sim = await spawnSimulator({});
try {
  say(`dispatch benchmark: ${N} messages over ${CHANNELS} Telegram channels, simulator at zero latency (own process)`);
  const dapr = await daprRun(sim.http);
  const direct = await baselineRun(sim.http);
  say("");
  say("| path | msg/s | wall s | p50 ms | p95 ms | p99 ms | CPU s | peak RSS MB |");
  say("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of [dapr, direct]) {
    say(
      `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.cpuSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  say("");
  say(
    `Dapr overhead: ${(direct.perSecond / dapr.perSecond).toFixed(2)}× the direct path's time per message (target ≤ 2×)`,
  );
  say(
    "CPU and RSS: the dispatcher app + its daprd for Dapr; the benchmark process (consumer) for the baseline. Latency: enqueue → sent row.",
  );
} finally {
  await sim.stop();
}
