/**
 * The production stack for the whole-system benchmarks (mixed load, scale-out): RabbitMQ,
 * PostgreSQL, the API and one or more dispatcher replicas with their daprd, and the provider
 * simulator in a process of its own, so the load generators in the bench process and the
 * simulated providers do not share an event loop. Driven through the REST API with an API key.
 */

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { TEST_KEYS, withPg } from "../test/integration/support/seed.js";
import { startTestStack, type TestStack } from "../test/integration/support/stack.js";
import { spawnSimulator, type SimulatorProcess } from "./lib.js";

const HTTP_PROVIDERS = ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"];

export interface BenchStack {
  t: TestStack;
  sim: SimulatorProcess;
  db: string;
  accountId: string;
  /** The dispatcher replicas' app ids: "dispatcher", then "dispatcher-2", … */
  dispatchers: string[];
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  /** Creates a channel through the API; returns its id. */
  channel(body: Record<string, unknown>): Promise<string>;
  /** Creates a contact group and imports the CSV into it through the API; returns the group id. */
  group(name: string, csv: string): Promise<string>;
  stop(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function startBenchStack(opts: {
  basePort: number;
  extraDispatchers?: number;
  appEnv?: Record<string, string>;
  /** The simulator's configuration (services/simulator/config.ts): latency, receipts, … */
  simulator?: Record<string, unknown>;
}): Promise<BenchStack> {
  const sim = await spawnSimulator(opts.simulator ?? {});
  let t: TestStack;
  try {
    t = await startTestStack({
      set: "production",
      basePort: opts.basePort,
      extraDispatchers: opts.extraDispatchers,
      env: {
        CREDENTIALS_KEYS: TEST_KEYS,
        PROVIDER_BASE_URLS: JSON.stringify(Object.fromEntries(HTTP_PROVIDERS.map((p) => [p, sim.http]))),
      },
      appEnv: { API_RATE_LIMIT: "0", LOG_LEVEL: "warn", ...opts.appEnv },
    });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  const accountId = randomUUID();
  const r = await t.ops("/internal/api-keys", { method: "POST", body: { accountId } });
  if (r.status !== 201) throw new Error(`api key: ${r.status}`);
  const key = (r.body as { key: string }).key;
  const api: BenchStack["api"] = async (method, path, body, headers = {}) => {
    const res = await fetch(t.stack.url(t.apiApp, path), {
      method,
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const dispatchers = [
    "dispatcher",
    ...Array.from({ length: opts.extraDispatchers ?? 0 }, (_, i) => `dispatcher-${i + 2}`),
  ];
  return {
    t,
    sim,
    db: t.databaseUrl!,
    accountId,
    dispatchers,
    api,
    async channel(body) {
      const c = await api("POST", "/v1/channels", { account_id: accountId, ...body });
      if (c.status !== 201) throw new Error(`channel: ${c.status} ${JSON.stringify(c.body)}`);
      return c.body.id as string;
    },
    async group(name, csv) {
      const g = await api("POST", "/v1/contact-groups", { account_id: accountId, name });
      if (g.status !== 201) throw new Error(`group: ${g.status} ${JSON.stringify(g.body)}`);
      const id = g.body.id as string;
      const imp = await api("POST", `/v1/contact-groups/${id}/import`, csv, { "content-type": "text/csv" });
      if (imp.status !== 200) throw new Error(`import: ${imp.status} ${JSON.stringify(imp.body)}`);
      return id;
    },
    async stop() {
      await t.stop();
      await sim.stop();
    },
  };
}

/** CPU seconds (user + system) of a process so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ on Linux
  } catch {
    return 0;
  }
}

/** The process ids of one app and its sidecar. */
export function appPids(s: Pick<BenchStack, "t">, appId: string): { app?: number; daprd?: number } {
  const a = s.t.stack.apps.get(appId);
  return { app: a?.app?.pid, daprd: a?.daprd?.pid };
}

/**
 * Pins each group of processes (every thread of each) to one CPU with taskset, so two groups do
 * not take each other's core: a stand-in for processes on nodes of their own.
 */
export function pinToCpus(groups: Record<number, Array<number | undefined>>): void {
  for (const [cpu, pids] of Object.entries(groups))
    for (const pid of pids) if (pid) execFileSync("taskset", ["-a", "-p", "-c", cpu, String(pid)], { stdio: "ignore" });
}

/**
 * This database's row writes (inserted + updated + deleted) and commits, and the server's WAL
 * position: the figures a PostgreSQL sizing starts from. The WAL is the whole server's, so other
 * databases' writes during the run count in it (an upper bound on a shared server).
 */
export async function dbStats(db: string): Promise<{ rowWrites: number; commits: number; walBytes: number }> {
  return withPg(db, async (c) => {
    // Statistics are flushed by each backend at most once a second: take a fresh snapshot.
    await c.query("SELECT pg_stat_clear_snapshot()");
    const r = await c.query<{ w: string; x: string; wal: string }>(
      `SELECT (tup_inserted + tup_updated + tup_deleted)::text AS w, xact_commit::text AS x,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    return { rowWrites: Number(r.rows[0]!.w), commits: Number(r.rows[0]!.x), walBytes: Number(r.rows[0]!.wal) };
  });
}
