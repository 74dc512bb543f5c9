import { Pool } from "undici";

export { spawnSimulator, type SimulatorProcess } from "../services/simulator/spawn.js";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Run `total` operations with at most `concurrency` in flight; returns per-operation latencies. */
export async function drive(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<{ ms: number; latencies: number[]; errors: number }> {
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - started, latencies: latencies.sort((a, b) => a - b), errors };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const cols = Object.keys(rows[0] ?? {});
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(width(cols[i]!))).join("  ");
  process.stdout.write(
    `\n${title}\n${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join("\n")}\n`,
  );
}

export interface PacedResult {
  /** Requests sent; `latencies` holds the answered ones', sorted, in ms. */
  sent: number;
  latencies: number[];
  statuses: Map<number, number>;
  /** Requests that got no answer (connection errors). */
  errors: number;
  /** From the first request's scheduled moment to the last answer. */
  seconds: number;
  /**
   * How late this process handed each request over, sorted, ms: a load generator starved of CPU
   * sends late, and that wait is counted in the request's latency, though the server never saw it.
   */
  sendLag: number[];
  /** Each answered request's [scheduled moment after the start, latency], ms, in answer order. */
  timeline: Array<[number, number]>;
}

/**
 * Offers POSTs at a fixed rate, an open loop: request i leaves at start + i ÷ rate through a pool
 * of up to `connections` connections, and is timed from that scheduled moment, so a request that
 * waited for a free connection counts the wait. autocannon's `overallRate` is not an open loop:
 * each connection sends its share of a second back to back, then waits for the next second, so it
 * measures bursts. `request(i)` gives request i, or undefined to stop.
 */
export async function pacedPosts(opts: {
  url: string;
  rate: number;
  connections: number;
  request: (i: number) => { body: string; headers: Record<string, string> } | undefined;
}): Promise<PacedResult> {
  const u = new URL(opts.url);
  const pool = new Pool(u.origin, { connections: opts.connections, pipelining: 1 });
  const out: PacedResult = {
    sent: 0,
    latencies: [],
    statuses: new Map(),
    errors: 0,
    seconds: 0,
    sendLag: [],
    timeline: [],
  };
  const t0 = performance.now();
  let lastAnswer = t0;
  const inFlight: Promise<void>[] = [];
  const one = async (due: number, req: { body: string; headers: Record<string, string> }) => {
    try {
      const res = await pool.request({
        path: u.pathname + u.search,
        method: "POST",
        headers: req.headers,
        body: req.body,
      });
      await res.body.dump();
      lastAnswer = performance.now();
      out.latencies.push(lastAnswer - due);
      out.timeline.push([due - t0, lastAnswer - due]);
      out.statuses.set(res.statusCode, (out.statuses.get(res.statusCode) ?? 0) + 1);
    } catch {
      out.errors++;
    }
  };
  for (let stopped = false; !stopped;) {
    const dueNow = Math.floor(((performance.now() - t0) * opts.rate) / 1000) + 1;
    for (; out.sent < dueNow; out.sent++) {
      const req = opts.request(out.sent);
      if (!req) {
        stopped = true;
        break;
      }
      const due = t0 + (out.sent * 1000) / opts.rate;
      out.sendLag.push(performance.now() - due);
      inFlight.push(one(due, req));
    }
    if (!stopped) await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  await pool.close();
  out.latencies.sort((a, b) => a - b);
  out.sendLag.sort((a, b) => a - b);
  out.seconds = (lastAnswer - t0) / 1000;
  return out;
}
