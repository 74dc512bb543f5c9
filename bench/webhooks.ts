/**
 * Webhook receiver benchmark: an HTTP load generator (autocannon) posts signed WhatsApp status
 * webhooks (X-Hub-Signature-256 verified on every request) to the API's receiver on the
 * production stack (RabbitMQ, PostgreSQL, real sidecars). Each request is a distinct `delivered`
 * receipt for a distinct `sent` message, so every one is verified, de-duplicated, published and
 * applied by the status consumer. Prints sustained webhooks/s, latency percentiles, and how long
 * the consumer takes to apply them (receipt apply lag); with a rate, whether the slow requests
 * gather in moments; and where the machine's CPU went and how long each process waited for one.
 *
 *   node --import tsx bench/webhooks.ts      (BENCH_WEBHOOKS=20000, BENCH_CONNECTIONS=32,
 *                                             BENCH_NODE_OPTIONS for the apps, BENCH_ACKNOWLEDGE=
 *                                             published|stored: the API's WEBHOOK_ACKNOWLEDGE,
 *                                             BENCH_RATE: offer that many webhooks/s in all
 *                                             instead of as many as the connections get answered,
 *                                             BENCH_WARMUP_SECONDS with a rate (3), BENCH_PIN=1: the
 *                                             API on a core of its own, BENCH_PIN=path: the API and
 *                                             PostgreSQL on a core of their own)
 *
 * Needs scripts/infra.sh and the Dapr binaries. Loopback only; bounded by BENCH_WEBHOOKS.
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { startCampaignHarness } from "../test/integration/campaign/harness.js";
import { withPg } from "../test/integration/support/seed.js";
import { seedSentWhatsApp } from "./seed-sent.js";
import { appPids, dbStats, pinToCpus } from "./stack.js";
import { pacedPosts, percentile } from "./lib.js";
import { printSched, schedBetween, schedSnapshot } from "./sched.js";

const N = Number(process.env.BENCH_WEBHOOKS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 20_200);
const ACKNOWLEDGE = process.env.BENCH_ACKNOWLEDGE ?? "published";
// Without a rate each connection sends its next request when the last is answered (a closed
// loop), so the mean latency is connections ÷ throughput by Little's law, whatever the receiver
// does: 48 connections at 1,900/s read 25 ms. A latency target at a given rate needs that rate
// offered evenly (an open loop). autocannon's `overallRate` is not one: each connection sends its
// share of a second back to back, then pauses until the next second. BENCH_RATE sends request i
// at start + i ÷ rate through a pool of up to BENCH_CONNECTIONS connections, and times each from
// its scheduled moment, so a request that waited for a free connection counts that wait.
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
// With a rate, BENCH_WARMUP_SECONDS (3) of the same load go first and are reported apart: the first
// half-second after a quiet spell queues behind one-off work (the pools opening connections, code
// not yet compiled), which is the receiver's start, not its steady state at that rate.
const WARMUP = RATE ? Math.round(Number(process.env.BENCH_WARMUP_SECONDS ?? 3) * RATE) : 0;
// BENCH_PIN=1: the API and its daprd on CPU 1; the dispatcher, its daprd and this process (the load
// generator) on CPU 0; PostgreSQL and RabbitMQ float. A stand-in for receivers on nodes of their
// own, as deployed, on this two-core machine. BENCH_PIN=path: PostgreSQL joins the API on CPU 1
// and RabbitMQ goes to CPU 0, so the request's whole path (API, PostgreSQL) has a core that no
// other part of the stack runs on.
const PIN = process.env.BENCH_PIN === "1" || process.env.BENCH_PIN === "path";
const PIN_PATH = process.env.BENCH_PIN === "path";
const SECRET = "bench-meta-app-secret";
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const loadBefore = load();
const say = (s: string) => process.stdout.write(`${s}\n`);

// One channel takes the whole load here: its per-channel webhook rate (500/s by default) is lifted,
// since the figure measured is the receiver's own throughput.
const H = await startCampaignHarness({
  basePort: BASE_PORT,
  appEnv: {
    LOG_LEVEL: "warn",
    WEBHOOK_RATE_PER_CHANNEL: "1000000",
    WEBHOOK_ACKNOWLEDGE: ACKNOWLEDGE,
    // e.g. BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof": both apps write a profile on exit
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
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

  // N messages the provider has accepted (status sent, provider ids known).
  const wamid = (i: number) => `wamid.BENCH${String(i).padStart(8, "0")}`;
  await withPg(H.h.db, async (c) => {
    await seedSentWhatsApp(c, { accountId: H.accountId, channelId }, N + WARMUP, wamid);
    // Statistics as autovacuum keeps them in a running system (it analyzes a partition within a
    // minute of its first rows). Rows inserted a moment ago are unknown to the planner, which
    // then reads every row of the channel for each receipt lookup (BENCH_NO_ANALYZE=1 shows it).
    if (process.env.BENCH_NO_ANALYZE !== "1") await c.query("ANALYZE messages");
  });

  // Bodies 0 … N-1 are the measured load, N … N+WARMUP-1 the warm-up's.
  const bodies = Array.from({ length: N + WARMUP }, (_, i) =>
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
                statuses: [
                  {
                    id: wamid(i),
                    status: "delivered",
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: `2519${30_000_000 + i}`,
                  },
                ],
              },
            },
          ],
        },
      ],
    }),
  );
  const signatures = bodies.map((b) => `sha256=${createHmac("sha256", SECRET).update(b).digest("hex")}`);
  const signedPost = (i: number) => ({
    body: bodies[i]!,
    headers: { "content-type": "application/json", "x-hub-signature-256": signatures[i]! },
  });

  const url = H.h.t.stack.url(H.h.t.apiApp, `/webhooks/whatsapp/${channelId}`);
  const api = appPids(H.h, H.h.t.apiApp);
  const dispatcher = appPids(H.h, H.h.t.dispatcherApp);
  const named = {
    api: api.app,
    "api daprd": api.daprd,
    dispatcher: dispatcher.app,
    "dispatcher daprd": dispatcher.daprd,
    "bench (load generator)": process.pid,
  };
  if (PIN) {
    const broker = PIN_PATH ? pidsOf("beam.smp") : [];
    const database = PIN_PATH ? pidsOf("postgres") : [];
    pinToCpus({
      0: [dispatcher.app, dispatcher.daprd, process.pid, ...broker],
      1: [api.app, api.daprd, ...database],
    });
  }
  // Warm the channel cache and the connections.
  await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update("{}").digest("hex")}`,
    },
    body: "{}",
  });

  if (WARMUP > 0) {
    const w = await pacedPosts({
      url,
      rate: RATE!,
      connections: CONNECTIONS,
      request: (i) => (i < WARMUP ? signedPost(N + i) : undefined),
    });
    say(
      `warm-up: ${WARMUP} webhooks at ${RATE}/s, latency ms p50 ${percentile(w.latencies, 50).toFixed(1)}  p95 ${percentile(w.latencies, 95).toFixed(1)}  max ${w.latencies.at(-1)?.toFixed(1)}; ${slowWindows(w.timeline).trim()}`,
    );
  }

  let next = 0;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const started = Date.now();
  // autocannon reports completion on its one-second tick: time the load by its last response.
  let lastResponseAt = started;
  let sendLag: number[] = [];
  let timeline: Array<[number, number]> = [];
  const dbBefore = await dbStats(H.h.db);
  const schedBefore = schedSnapshot(named);
  const result = RATE
    ? await pacedPosts({
        url,
        rate: RATE,
        connections: CONNECTIONS,
        request: (i) => (i < N ? signedPost(i) : undefined),
      }).then((r) => {
        lastResponseAt = started + r.seconds * 1000;
        latencies.push(...r.latencies);
        for (const [k, n] of r.statuses) statuses.set(k, n);
        sendLag = r.sendLag;
        timeline = r.timeline;
        const non2xx = [...r.statuses].filter(([k]) => k < 200 || k >= 300).reduce((a, [, n]) => a + n, 0);
        return { non2xx, errors: r.errors, timeouts: 0 };
      })
    : await new Promise<Pick<autocannon.Result, "non2xx" | "errors" | "timeouts">>((resolve, reject) => {
        const inst = autocannon(
          {
            url,
            connections: CONNECTIONS,
            amount: N,
            method: "POST",
            headers: { "content-type": "application/json" },
            requests: [
              {
                setupRequest(req) {
                  const i = next++ % N;
                  return {
                    ...req,
                    body: bodies[i],
                    headers: {
                      ...req.headers,
                      "content-type": "application/json",
                      "x-hub-signature-256": signatures[i]!,
                    },
                  };
                },
              },
            ],
          },
          (err: unknown, res) =>
            err ? reject(err instanceof Error ? err : new Error("autocannon failed")) : resolve(res),
        );
        inst.on("response", (_client, statusCode, _bytes, responseTime) => {
          lastResponseAt = Date.now();
          latencies.push(responseTime);
          statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
        });
      });
  const loadEnded = lastResponseAt;
  const sched = schedBetween(schedBefore, schedSnapshot(named));

  const loadSeconds = (loadEnded - started) / 1000;

  // Receipt apply lag: until every message reads delivered.
  let applied = 0;
  while (applied < N + WARMUP && Date.now() - loadEnded < 300_000) {
    applied = await withPg(
      H.h.db,
      async (c) =>
        (
          await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM messages WHERE channel_id = $1 AND status = 'delivered'`,
            [channelId],
          )
        ).rows[0]!.n,
    );
    if (applied < N + WARMUP) await new Promise((r) => setTimeout(r, 100));
  }
  const allApplied = Date.now();
  // Each backend reports its statistics at most once a second.
  await new Promise((r) => setTimeout(r, 1_100));
  const dbAfter = await dbStats(H.h.db);
  const metrics = await (await fetch(H.h.t.stack.url(H.h.t.dispatcherApp, "/metrics"))).text();
  const lagP = histogramQuantiles(metrics, "turumba_receipt_apply_lag_seconds", [0.5, 0.95, 0.99]);
  // The receiver's own pauses over its life (start-up included): garbage collection and the event
  // loop's delay, from prom-client's process metrics.
  const apiMetrics = await (await fetch(H.h.t.stack.url(H.h.t.apiApp, "/metrics"))).text();
  const metric = (re: RegExp) =>
    [...apiMetrics.matchAll(re)].map((m) => `${m[1] ? `${m[1]} ` : ""}${Number(m[2]).toFixed(3)}`).join(", ");

  const sorted = latencies.sort((a, b) => a - b);
  say(
    `webhooks: ${N} signed WhatsApp status webhooks, ${CONNECTIONS} connections${RATE ? `, ${RATE}/s offered` : ""}, answered once ${ACKNOWLEDGE}${PIN_PATH ? ", API and PostgreSQL pinned to CPU 1" : PIN ? ", API pinned to CPU 1" : ""}; load average ${loadBefore} → ${load()}`,
  );
  say(
    `  responses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}  (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
  );
  say(`  sustained: ${(N / loadSeconds).toFixed(0)} webhooks/s over ${loadSeconds.toFixed(1)} s`);
  say(
    `  latency ms: p50 ${percentile(sorted, 50).toFixed(1)}  p95 ${percentile(sorted, 95).toFixed(1)}  p99 ${percentile(sorted, 99).toFixed(1)}  max ${sorted.at(-1)?.toFixed(1)}`,
  );
  if (sendLag.length > 0)
    say(
      `  of which the load generator's own lateness (due → handed over), ms: p50 ${percentile(sendLag, 50).toFixed(1)}  p95 ${percentile(sendLag, 95).toFixed(1)}  p99 ${percentile(sendLag, 99).toFixed(1)}  max ${sendLag.at(-1)?.toFixed(1)}`,
    );
  say(
    `  applied: ${applied}/${N + WARMUP} delivered${WARMUP ? " (the warm-up's included)" : ""}; last applied ${((allApplied - loadEnded) / 1000).toFixed(2)} s after the load ended (consumer ${((applied - WARMUP) / ((allApplied - started) / 1000)).toFixed(0)} receipts/s)`,
  );
  say(
    `  receipt apply lag (receiver → status written), from the histogram: p50 ≤ ${lagP[0]} s  p95 ≤ ${lagP[1]} s  p99 ≤ ${lagP[2]} s`,
  );
  // The receiver's own time per request (body read → answer), as its histogram has it: against
  // the client's latency above, what is left is time before the handler runs or after it answers.
  const handlerP = histogramQuantiles(apiMetrics, "turumba_webhook_response_seconds", [0.5, 0.95, 0.99]);
  say(
    `  receiver's own time (body read → answer), from its histogram: p50 ≤ ${handlerP[0]} s  p95 ≤ ${handlerP[1]} s  p99 ≤ ${handlerP[2]} s`,
  );
  say(
    `  API process: GC seconds by kind ${metric(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} ([\d.e+-]+)/gm)}; event-loop delay s max ${metric(/^nodejs_eventloop_lag_max_seconds()\s+([\d.e+-]+)/gm)}, p99 ${metric(/^nodejs_eventloop_lag_p99_seconds()\s+([\d.e+-]+)/gm)}`,
  );
  say(
    `  PostgreSQL, intake to applied: ${((dbAfter.commits - dbBefore.commits) / N).toFixed(2)} commits and ${((dbAfter.rowWrites - dbBefore.rowWrites) / N).toFixed(1)} row writes per webhook, ${((dbAfter.walBytes - dbBefore.walBytes) / N).toFixed(0)} WAL bytes per webhook`,
  );
  if (timeline.length > 0) say(slowWindows(timeline));
  printSched("where the CPU went during the load", sched);
} finally {
  await H.stop();
}

/**
 * Whether the slow requests (over 20 ms) are spread over the load or gathered in a few moments:
 * the 100 ms windows (by scheduled send time) that hold them, and the worst of those windows.
 */
function slowWindows(timeline: Array<[number, number]>): string {
  const windows = new Map<number, { n: number; slow: number; max: number }>();
  for (const [at, ms] of timeline) {
    const w = windows.get(Math.floor(at / 100)) ?? { n: 0, slow: 0, max: 0 };
    w.n++;
    if (ms > 20) w.slow++;
    w.max = Math.max(w.max, ms);
    windows.set(Math.floor(at / 100), w);
  }
  const slow = [...windows].filter(([, w]) => w.slow > 0).sort((a, b) => b[1].slow - a[1].slow);
  const total = slow.reduce((a, [, w]) => a + w.slow, 0);
  const top = slow.slice(0, Math.max(1, Math.ceil(windows.size / 20)));
  const inTop = top.reduce((a, [, w]) => a + w.slow, 0);
  return (
    `  slow requests (> 20 ms): ${total} of ${timeline.length}, in ${slow.length} of ${windows.size} windows of 100 ms; ` +
    `the worst ${top.length} windows hold ${total ? ((inTop / total) * 100).toFixed(0) : 0} % of them: ` +
    top
      .slice(0, 8)
      .map(([k, w]) => `${(k / 10).toFixed(1)} s (${w.slow}/${w.n}, max ${w.max.toFixed(0)} ms)`)
      .join(", ")
  );
}

/** Every process running the named command (its backends and helpers forked later inherit a pin). */
function pidsOf(command: string): number[] {
  try {
    return execFileSync("pgrep", ["-x", command], { encoding: "utf8" }).trim().split("\n").map(Number);
  } catch {
    return [];
  }
}

/** Upper bucket bounds holding the given quantiles of a Prometheus histogram (summed over labels). */
function histogramQuantiles(text: string, name: string, qs: number[]): string[] {
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} (\\d+)`).exec(line);
    if (m)
      buckets.set(
        m[1] === "+Inf" ? Infinity : Number(m[1]),
        (buckets.get(m[1] === "+Inf" ? Infinity : Number(m[1])) ?? 0) + Number(m[2]),
      );
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  return qs.map((q) => {
    const hit = sorted.find(([, n]) => n >= q * total);
    return hit ? String(hit[0]) : "n/a";
  });
}
