/**
 * Scale-out benchmark: the same dispatch work with 1, 2 and 3 dispatcher replicas (each its own
 * process and daprd, one Dapr app id) on the production stack, the simulator in its own process
 * (answering at once unless a latency is set). Per replica count, on a fresh stack:
 * bulk-enqueued Telegram messages over several channels, one nudge per channel per 1,000
 * messages (as a campaign's fan-out publishes), then every send timed to its `sent` row. Prints
 * the rate, and per replica the channel actors placement put on it (its sidecar's metadata) and
 * the sends it made (its own metrics), so the spread of channels across replicas is read off,
 * not assumed. Prints figures; asserts nothing.
 *
 *   npm run bench:scale-out   (BENCH_MESSAGES=30000, BENCH_CHANNELS=12, BENCH_REPLICAS=1,2,3,
 *                              BENCH_PROVIDER_LATENCY_MS=0, BENCH_NODE_OPTIONS for the apps,
 *                              BENCH_BASE_PORT=20700)
 *
 * Run it under the integration lock (fixed ports). Needs scripts/infra.sh and the Dapr binaries.
 */

import { loadavg } from "node:os";
import { uuidv7 } from "../db/ids.js";
import { withPg } from "../test/integration/support/seed.js";
import { printTable } from "./lib.js";
import { appPids, cpuSeconds, dbStats, startBenchStack, type BenchStack } from "./stack.js";

const N = Number(process.env.BENCH_MESSAGES ?? 30_000);
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 12);
const REPLICAS = (process.env.BENCH_REPLICAS ?? "1,2,3").split(",").map(Number);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 20_700);
/** The simulated provider's answer time (0: at once; 200: a slow provider). */
const LATENCY_MS = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 0);
const say = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

interface ReplicaFigures {
  replica: string;
  channelActors: number;
  sent: number;
  cpuSeconds: number;
}

const rows: Array<Record<string, string | number>> = [];
for (const replicas of REPLICAS) {
  say(`\n${replicas} dispatcher replica(s), load average ${load()}`);
  const S = await startBenchStack({
    basePort: BASE_PORT,
    extraDispatchers: replicas - 1,
    simulator: { providers: { telegram: { latencyMs: LATENCY_MS } } },
    // e.g. BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof": every app writes a profile on exit
    ...(process.env.BENCH_NODE_OPTIONS ? { appEnv: { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } } : {}),
  });
  try {
    const channels: string[] = [];
    for (let i = 0; i < CHANNELS; i++)
      channels.push(
        await S.channel({
          name: `tg-${i}`,
          channel_type: "telegram",
          credentials: { bot_token: `12345${i}:ABCDEFGHIJKLMNOPQRSTUVWXYZ` },
          rate_limit: 600_000,
        }),
      );
    await enqueue(S, channels);
    const cpuBefore = S.dispatchers.map((d) => cpuSeconds(appPids(S, d).app) + cpuSeconds(appPids(S, d).daprd));
    const loadBefore = load();
    const dbBefore = await dbStats(S.db);
    const started = Date.now();
    await nudge(S, channels);
    await waitAllSent(S);
    const seconds = (Date.now() - started) / 1000;
    await sleep(1_500); // backends flush their statistics at most once a second
    const dbAfter = await dbStats(S.db);
    const perReplica: ReplicaFigures[] = [];
    for (const [i, d] of S.dispatchers.entries())
      perReplica.push({
        replica: d,
        channelActors: await channelActors(S, d),
        sent: await sentBy(S, d),
        cpuSeconds: cpuSeconds(appPids(S, d).app) + cpuSeconds(appPids(S, d).daprd) - cpuBefore[i]!,
      });
    say(`  ${N} sent in ${seconds.toFixed(1)} s: ${Math.round(N / seconds)} msg/s`);
    rows.push({
      replicas,
      "msg/s": Math.round(N / seconds),
      seconds: seconds.toFixed(1),
      "channel actors per replica": perReplica.map((r) => r.channelActors).join(" / "),
      "sends per replica": perReplica.map((r) => r.sent).join(" / "),
      "CPU s per replica (app + daprd)": perReplica.map((r) => r.cpuSeconds.toFixed(1)).join(" / "),
      "row writes / msg": ((dbAfter.rowWrites - dbBefore.rowWrites) / N).toFixed(2),
      "commits / msg": ((dbAfter.commits - dbBefore.commits) / N).toFixed(3),
      "WAL bytes / msg (whole server)": Math.round((dbAfter.walBytes - dbBefore.walBytes) / N),
      "load avg before → after": `${loadBefore} → ${load()}`,
    });
  } finally {
    await S.stop();
  }
}
printTable(
  `${N.toLocaleString("en")} Telegram messages over ${CHANNELS} channels, provider answers in ${LATENCY_MS} ms`,
  rows,
);

/** N queued messages, round the channels, inserted 5,000 per statement (as the fan-out writes pages). */
async function enqueue(s: BenchStack, channels: string[]): Promise<void> {
  await withPg(s.db, async (c) => {
    for (let i = 0; i < N; i += 5_000) {
      const size = Math.min(5_000, N - i);
      const now = new Date();
      const ids = Array.from({ length: size }, () => uuidv7(now));
      await c.query(
        `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body)
         SELECT u.id, $3, $4, u.channel_id, 'telegram', 'outbound', 'queued', u.addr, 'scale-out message'
           FROM unnest($1::uuid[], $2::uuid[], $5::text[]) AS u(id, channel_id, addr)`,
        [
          ids,
          ids.map((_, k) => channels[(i + k) % channels.length]!),
          now,
          s.accountId,
          ids.map((_, k) => String(700_000 + i + k)),
        ],
      );
    }
    await c.query("ANALYZE messages");
  });
}

/** One nudge per channel per 1,000 messages, published through the API's sidecar. */
async function nudge(s: BenchStack, channels: string[]): Promise<void> {
  const api = s.t.stack.apps.get(s.t.apiApp)!;
  for (let i = 0; i < N; i += 1_000 * channels.length)
    for (const channelId of channels) {
      const res = await fetch(`http://127.0.0.1:${api.ports.daprHttp}/v1.0/publish/pubsub/message.dispatch.telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": s.t.stack.tokens.daprApiToken },
        body: JSON.stringify({ channelId }),
      });
      if (res.status >= 300) throw new Error(`publish failed: ${res.status}`);
    }
}

async function waitAllSent(s: BenchStack): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const done = await withPg(
      s.db,
      async (c) =>
        (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0]!.n,
    );
    if (done >= N) return;
    if (Date.now() > deadline) throw new Error(`only ${done}/${N} sent after 600 s`);
    await sleep(250);
  }
}

/** Channel actors active on one replica, from its sidecar's metadata (placement's decision). */
async function channelActors(s: BenchStack, appId: string): Promise<number> {
  const a = s.t.stack.apps.get(appId)!;
  const res = await fetch(`http://127.0.0.1:${a.ports.daprHttp}/v1.0/metadata`, {
    headers: { "dapr-api-token": s.t.stack.tokens.daprApiToken },
  });
  const m = (await res.json()) as {
    actorRuntime?: { activeActors?: Array<{ type: string; count: number }> };
    actors?: Array<{ type: string; count: number }>;
  };
  const active = m.actorRuntime?.activeActors ?? m.actors ?? [];
  return active.find((x) => x.type === "ChannelActor")?.count ?? 0;
}

/** Sends one replica made, from its own turumba_messages_dispatched_total{status="sent"}. */
async function sentBy(s: BenchStack, appId: string): Promise<number> {
  const text = await (await fetch(s.t.stack.url(appId, "/metrics"))).text();
  let n = 0;
  for (const line of text.split("\n")) {
    const m = /^turumba_messages_dispatched_total\{[^}]*status="sent"[^}]*\} ([0-9.e+]+)$/.exec(line);
    if (m) n += Number(m[1]);
  }
  return n;
}
