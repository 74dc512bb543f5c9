/**
 * REST API benchmark on a loaded messages table.
 *
 *   node --import tsx bench/api/run.ts
 *
 * 1. Creates (once) the database `turumba_bench` and loads BENCH_ROWS messages (10 million by
 *    default) across 12 monthly partitions for 100 accounts × 10 channels; later runs reuse it.
 * 2. Starts the API (services/api) in its own process on 127.0.0.1, API-key authentication and
 *    the PostgreSQL-backed rate limiter in the path (limit set out of reach).
 * 3. Drives each scenario with autocannon at a fixed BENCH_RATE (500 req/s) for BENCH_SECONDS,
 *    requests spread over the accounts, and prints p50/p95/p99 per scenario.
 * Loopback only; every loop is bounded by a count or a duration.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { openDatabase } from "../../db/client.js";
import { createApiKey } from "../../db/accounts/api-keys.js";
import { percentile, printTable } from "../lib.js";
import { ensureDatabase, ensureLoaded } from "./load.js";

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? "postgres://turumba:turumba@127.0.0.1:5432/turumba";
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const say = (s: string) => process.stdout.write(`${s}\n`);

const url = await ensureDatabase(ADMIN_URL, process.env.BENCH_DB ?? "turumba_bench");
const now = new Date();
const data = await ensureLoaded({
  url,
  rows: ROWS,
  months: 12,
  accounts: 100,
  channelsPerAccount: 10,
  now,
  parallel: 2,
  log: say,
});
if (data.loaded) say(`loaded in ${data.seconds.toFixed(0)} s`);

// One API key per account; a sample of existing message ids for lookups by id.
const db = await openDatabase({ url, poolMax: 4 });
const keys = new Map<string, string>();
for (const account of data.accounts)
  keys.set(account, (await createApiKey(db.orm, account, "bench", "manager", now)).key);
const sample = await db.withSession((s) =>
  s.query<{ id: string; account_id: string }>(
    "SELECT id, account_id FROM messages TABLESAMPLE SYSTEM (0.05) WHERE status <> 'queued' LIMIT 5000",
  ),
);
const facts = await db.withSession((s) =>
  s.query<{ rows: string; partitions: string; size: string }>(
    `SELECT (SELECT sum(reltuples)::bigint FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'messages'::regclass) AS rows,
            (SELECT count(*) FROM pg_inherits WHERE inhparent = 'messages'::regclass) AS partitions,
            pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'messages'::regclass)) AS size`,
  ),
);
await db.close();
const f = facts.rows[0]!;
say(`messages: ~${Number(f.rows).toLocaleString()} rows in ${f.partitions} partitions, ${f.size} with indexes`);

const server = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./server.ts", import.meta.url))], {
  env: { ...process.env, BENCH_DATABASE_URL: url, LOG_LEVEL: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const base = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("API did not start in 60 s")), 60_000);
  createInterface({ input: server.stdout }).on("line", (line) => {
    if (line.startsWith('{"url"')) {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    } else if (line.startsWith('{"published"'))
      say(`events handed to the publisher: ${(JSON.parse(line) as { published: number }).published}`);
  });
  server.once("exit", (code) => reject(new Error(`API exited with ${code}`)));
});

let seq = 0;
const accounts = data.accounts;
const pickAccount = () => {
  const i = seq++ % accounts.length;
  return { account: accounts[i]!, key: keys.get(accounts[i]!)!, channels: data.channels[i]! };
};
const day = 86_400_000;
const iso = (d: Date) => d.toISOString();

interface Scenario {
  name: string;
  method: "GET" | "POST";
  next(): { path: string; key: string; body?: string };
}

const scenarios: Scenario[] = [
  {
    name: "list newest (GET /v1/messages)",
    method: "GET",
    next: () => ({ path: "/v1/messages?limit=20", key: pickAccount().key }),
  },
  {
    name: "filter status (status:eq:failed)",
    method: "GET",
    next: () => ({ path: "/v1/messages?limit=20&filter=status:eq:failed", key: pickAccount().key }),
  },
  {
    name: "filter channel",
    method: "GET",
    next: () => {
      const a = pickAccount();
      return { path: `/v1/messages?limit=20&filter=channel_id:eq:${a.channels[seq % a.channels.length]}`, key: a.key };
    },
  },
  {
    name: "filter channel + status:delivered",
    method: "GET",
    next: () => {
      const a = pickAccount();
      return {
        path: `/v1/messages?limit=20&filter=channel_id:eq:${a.channels[seq % a.channels.length]}&filter=status:eq:delivered`,
        key: a.key,
      };
    },
  },
  {
    name: "filter created_at range (7 days)",
    method: "GET",
    next: () => {
      const from = new Date(now.getTime() - (30 + (seq % 200)) * day);
      return {
        path: `/v1/messages?limit=20&filter=created_at:range:${iso(from)},${iso(new Date(from.getTime() + 7 * day))}`,
        key: pickAccount().key,
      };
    },
  },
  {
    name: "get by id (GET /v1/messages/:id)",
    method: "GET",
    next: () => {
      const m = sample.rows[seq++ % sample.rows.length]!;
      return { path: `/v1/messages/${m.id}`, key: keys.get(m.account_id)! };
    },
  },
  {
    name: "create (POST /v1/messages)",
    method: "POST",
    next: () => {
      const a = pickAccount();
      return {
        path: "/v1/messages",
        key: a.key,
        body: JSON.stringify({
          channel_id: a.channels[seq % a.channels.length],
          delivery_address: `+2519${String(seq % 1e8).padStart(8, "0")}`,
          message_body: `Benchmark message ${seq}`,
        }),
      };
    },
  },
];

/**
 * autocannon paces a rate per connection per second: a connection fires its quota as fast as it
 * can, then waits for the next one-second tick. One instance at 500 req/s would therefore send
 * bursts of 500 back to back each second and measure queueing, not the latency at a steady
 * rate. So the rate is spread over STAGGER instances started 1000/STAGGER ms apart, each with
 * keep-alive connections allowed CONN_RATE requests a second: small groups of requests arrive
 * every few milliseconds, as from many clients.
 */
const STAGGER = Number(process.env.BENCH_STAGGER ?? 50);
const CONN_RATE = Number(process.env.BENCH_CONN_RATE ?? 10);
/** Print the slowest response of each second (to tell steady slowness from stalls). */
const TIMELINE = Boolean(process.env.BENCH_TIMELINE);

function oneInstance(
  s: Scenario,
  seconds: number,
  rate: number,
  onResponse: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const connections = Math.max(1, Math.ceil(rate / CONN_RATE));
    const instance = autocannon(
      {
        url: base,
        connections,
        overallRate: rate,
        duration: seconds,
        requests: [
          {
            method: s.method,
            setupRequest: (req) => {
              const n = s.next();
              return {
                ...req,
                path: n.path,
                body: n.body,
                headers: { "x-api-key": n.key, ...(n.body ? { "content-type": "application/json" } : {}) },
              };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    instance.on("response", (_client, status: number, _bytes: number, ms: number) => onResponse(status, ms));
  });
}

/** CPU seconds used so far by a process (utime + stime), from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return (f.reduce((a, b) => a + b, 0) - idle) / 100;
}

/** PostgreSQL backends serving the benchmark database (their process title names it). */
function backendPids(dbName: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(` ${dbName} `);
      } catch {
        return false;
      }
    });
}
const dbName = new URL(url).pathname.slice(1);

async function drive(s: Scenario, seconds: number, rate: number): Promise<Record<string, string | number>> {
  const load = loadavg()[0]!;
  const pg0 = new Map(backendPids(dbName).map((p) => [p, cpuSeconds(p)]));
  const api0 = cpuSeconds(server.pid!);
  const busy0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const timeline: number[] = [];
  const latencies: number[] = [];
  let non2xx = 0;
  const stagger = Math.min(STAGGER, rate);
  const results = await Promise.all(
    Array.from({ length: stagger }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / stagger));
      const share = Math.floor(rate / stagger) + (i < rate % stagger ? 1 : 0);
      return oneInstance(s, seconds, share, (status, ms) => {
        latencies.push(ms);
        if (TIMELINE) {
          const sec = Math.floor((performance.now() - t0) / 1000);
          timeline[sec] = Math.max(timeline[sec] ?? 0, ms);
        }
        if (status < 200 || status >= 300) non2xx++;
      });
    }),
  );
  if (TIMELINE) say(`  slowest response per second (ms): ${timeline.map((v) => Math.round(v ?? 0)).join(" ")}`);
  const failures = results.reduce((n, r) => n + r.errors + r.timeouts, 0);
  const elapsed = (performance.now() - t0) / 1000;
  const apiCpu = cpuSeconds(server.pid!) - api0;
  const pgCpu = backendPids(dbName).reduce((n, p) => n + cpuSeconds(p) - (pg0.get(p) ?? 0), 0);
  const selfUsage = process.cpuUsage(self0);
  const loadgenCpu = (selfUsage.user + selfUsage.system) / 1e6;
  // Cores busy with other work on the machine while this scenario ran.
  const others = Math.max(0, (machineBusySeconds() - busy0 - apiCpu - pgCpu - loadgenCpu) / elapsed);
  latencies.sort((a, b) => a - b);
  const fmt = (v: number) => v.toFixed(1);
  return {
    scenario: s.name,
    requests: latencies.length,
    "req/s": (latencies.length / seconds).toFixed(0),
    "p50 ms": fmt(percentile(latencies, 50)),
    "p95 ms": fmt(percentile(latencies, 95)),
    "p99 ms": fmt(percentile(latencies, 99)),
    "max ms": fmt(latencies[latencies.length - 1] ?? NaN),
    "non-2xx": non2xx + failures,
    // CPU per request shows what the machine had to give; the load average what else ran.
    "API cpu ms/req": ((apiCpu * 1000) / Math.max(1, latencies.length)).toFixed(2),
    "PG cpu ms/req": ((pgCpu * 1000) / Math.max(1, latencies.length)).toFixed(2),
    "other cores busy": others.toFixed(2),
    "load avg": load.toFixed(1),
  };
}

try {
  say(`warming up (10 s at ${Math.min(RATE, 200)} req/s, every scenario)`);
  for (const s of scenarios) await drive(s, 2, Math.min(RATE, 200));
  const rows: Record<string, string | number>[] = [];
  const only = process.env.BENCH_ONLY;
  for (const s of scenarios.filter((x) => !only || x.name.includes(only))) {
    // Let the previous scenario's stragglers finish so they do not count against this one.
    await new Promise((r) => setTimeout(r, 3_000));
    say(`running: ${s.name} — ${SECONDS} s at ${RATE} req/s`);
    rows.push(await drive(s, SECONDS, RATE));
  }
  printTable(
    `REST API latency at a steady ${RATE} req/s per scenario, ${SECONDS} s each (autocannon ×${Math.min(STAGGER, RATE)} staggered, 127.0.0.1)`,
    rows,
  );
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("DELETE FROM api_keys WHERE name = 'bench'");
  await c.end();
}
