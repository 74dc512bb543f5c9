/**
 * Campaign benchmark on the production stack (API and dispatcher processes, two daprd,
 * RabbitMQ, PostgreSQL, the provider simulator answering at once): a 100K-recipient group
 * message, from the contact import to the last send, while one single message on the same
 * channel is timed to show the fan-out does not starve it. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/campaign.ts      (BENCH_RECIPIENTS=100000, BENCH_RATE_PER_MIN=600000,
 *                                             BENCH_NODE_OPTIONS and BENCH_LOG_LEVEL for the apps, BENCH_BASE_PORT=19600,
 *                                             BENCH_COMPILED=1 to run the apps' compiled JavaScript as the image does)
 *
 * Needs scripts/infra.sh and the Dapr binaries. Loopback only; bounded by BENCH_RECIPIENTS.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "../scripts/launcher/stack.js";
import { startCampaignHarness } from "../test/integration/campaign/harness.js";
import { withPg } from "../test/integration/support/seed.js";
import { printTable } from "./lib.js";

const N = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const RATE = Number(process.env.BENCH_RATE_PER_MIN ?? 600_000);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 19_600);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 20 * 60_000);
const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => (ms / 1_000).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set of one process (the dispatcher app is its own node process). */
function rssBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The dispatcher's own view of its memory (prom-client default metrics), in bytes. */
async function heapBytes(metricsUrl: string): Promise<{ heapUsed: number; external: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? NaN);
  return { heapUsed: read("nodejs_heap_size_used_bytes"), external: read("nodejs_external_memory_bytes") };
}

// BENCH_NODE_OPTIONS (e.g. --max-old-space-size=128) is handed to the apps: V8 grows its heap
// lazily, so a heap limit sized to the container is what bounds RSS in production.
const nodeOptions = process.env.BENCH_NODE_OPTIONS;
// BENCH_COMPILED=1 runs the apps as the image does: compiled JavaScript (npm run build), no tsx.
const compiled = process.env.BENCH_COMPILED === "1";
if (compiled) {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, stdio: "inherit" });
  process.env.TURUMBA_APP_ENTRY = "dist/services/main.js";
}
const H = await startCampaignHarness({
  basePort: BASE_PORT,
  appEnv: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn", ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
});
try {
  const dispatcherPid = H.h.t.stack.apps.get(H.h.t.dispatcherApp)?.app?.pid;
  if (!dispatcherPid) throw new Error("dispatcher pid unknown");
  const channelId = await H.channel({
    name: "tg-bench",
    channel_type: "telegram",
    credentials: { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
    rate_limit: RATE,
  });

  // Contacts: one CSV import through the API.
  const csv = [
    "name,telegram_chat_id",
    ...Array.from({ length: N }, (_, i) => `Person${i} Bench,${100_000_000 + i}`),
  ].join("\n");
  const importStart = performance.now();
  const groupId = await H.group("bench", csv);
  const importMs = performance.now() - importStart;
  say(`imported ${N.toLocaleString("en")} contacts (${(csv.length / 1e6).toFixed(1)} MB CSV) in ${secs(importMs)} s`);

  const metricsUrl = `http://127.0.0.1:${H.h.t.stack.apps.get(H.h.t.dispatcherApp)!.ports.app}/metrics`;
  const rssBefore = rssBytes(dispatcherPid);
  const heapBefore = await heapBytes(metricsUrl);
  let rssPeak = rssBefore;
  let heapPeak = heapBefore.heapUsed;
  let externalPeak = heapBefore.external;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(dispatcherPid));
  }, 100);
  const heapSampler = setInterval(() => {
    heapBytes(metricsUrl).then(
      (h) => {
        heapPeak = Math.max(heapPeak, h.heapUsed);
        externalPeak = Math.max(externalPeak, h.external);
      },
      () => undefined,
    );
  }, 500);

  const posted = performance.now();
  const created = await H.api("POST", "/v1/group-messages", {
    account_id: H.accountId,
    channel_id: channelId,
    message_body: "Hi {FIRST_NAME}, your code is {CODE}",
    custom_values: { CODE: "B42" },
    contact_group_ids: [groupId],
    status: "queued",
  });
  if (created.status !== 201) throw new Error(`group message: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;

  // Milestones, polled from the tables every 100 ms.
  let allRowsMs: number | undefined;
  let enqueuedMs: number | undefined;
  let allSentMs: number | undefined;
  let single: { postedMs: number; latencyMs?: number; id: string; campaignSentBefore: number } | undefined;
  const deadline = Date.now() + TIMEOUT_MS;
  let lastProgress = 0;
  while (allSentMs === undefined && Date.now() < deadline) {
    const s = await withPg(H.h.db, async (c) => {
      // The fan-out's checkpoint counts the rows it created, in the transaction that created them
      // (a count(*) over the campaign's rows every 100 ms would load the machine it measures).
      const f = (
        await c.query<{ done: boolean; messages_created: number }>(
          `SELECT done, messages_created FROM campaign_fanout WHERE group_message_id = $1`,
          [id],
        )
      ).rows[0];
      const rows = f?.messages_created ?? 0;
      const g = (
        await c.query<{ sent_count: number; status: string }>(
          `SELECT sent_count, status FROM group_messages WHERE id = $1`,
          [id],
        )
      ).rows[0]!;
      return { rows, fanoutDone: f?.done ?? false, sent: g.sent_count, status: g.status };
    });
    const t = performance.now() - posted;
    if (allRowsMs === undefined && s.rows >= N) allRowsMs = t;
    // Enqueued: every row exists and the fan-out has published its last dispatch nudge.
    if (enqueuedMs === undefined && s.rows >= N && s.fanoutDone) enqueuedMs = t;
    // One single message on the same channel, sent while the fan-out is under way.
    if (!single && s.rows >= Math.min(20_000, N / 5)) {
      const r = await H.api("POST", "/v1/messages", {
        account_id: H.accountId,
        channel_id: channelId,
        delivery_address: "99999999",
        message_body: "urgent",
      });
      if (r.status !== 201) throw new Error(`single message: ${r.status}`);
      single = { postedMs: performance.now(), id: r.body.id as string, campaignSentBefore: s.sent };
      void (async () => {
        for (;;) {
          const m = await H.api("GET", `/v1/messages/${single.id}`);
          if (m.body.status === "sent") {
            single.latencyMs = performance.now() - single.postedMs;
            return;
          }
          await sleep(20);
        }
      })();
    }
    if (s.sent >= N && (s.status === "completed" || s.status === "partially_failed")) allSentMs = t;
    if (t - lastProgress >= 10_000) {
      lastProgress = t;
      say(
        `  ${secs(t)} s: ${s.rows} rows, fan-out ${s.fanoutDone ? "done" : "running"}, ${s.sent} sent, RSS ${(rssPeak / 2 ** 20).toFixed(0)} MB peak`,
      );
    }
    await sleep(100);
  }
  clearInterval(sampler);
  clearInterval(heapSampler);
  const backlogAtSingle = single
    ? await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM messages WHERE group_message_id = $1 AND sent_at > (SELECT sent_at FROM messages WHERE id = $2)`,
              [id, single.id],
            )
          ).rows[0]!.n,
      )
    : 0;
  const final = (await H.api("GET", `/v1/group-messages/${id}`)).body;
  const rowCount = await withPg(
    H.h.db,
    async (c) =>
      (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE group_message_id = $1`, [id]))
        .rows[0]!.n,
  );
  const simCount = Object.keys(
    (
      (await (await fetch(`${H.h.sim.httpUrl}/_sim/recipients/telegram`)).json()) as {
        recipients: Record<string, number>;
      }
    ).recipients,
  ).filter((k) => k.startsWith("1")).length;

  printTable(
    `campaign of ${N.toLocaleString("en")} recipients, channel rate ${RATE.toLocaleString("en")}/min${compiled ? ", apps compiled (no tsx)" : ""}${nodeOptions ? `, apps with NODE_OPTIONS=${nodeOptions}` : ""}`,
    [
      { step: "contact CSV import", seconds: secs(importMs), target: "" },
      {
        step: "POST → every message row created",
        seconds: allRowsMs === undefined ? "not reached" : secs(allRowsMs),
        target: "",
      },
      {
        step: "POST → every row created and enqueued",
        seconds: enqueuedMs === undefined ? "not reached" : secs(enqueuedMs),
        target: "≤ 30",
      },
      {
        step: "POST → every message sent",
        seconds: allSentMs === undefined ? "not reached" : secs(allSentMs),
        target: "",
      },
      {
        step: "single send during the fan-out",
        seconds: single?.latencyMs === undefined ? "not sent" : secs(single.latencyMs),
        target: "",
      },
    ],
  );
  const elapsedMs = allSentMs ?? performance.now() - posted;
  const sentCount = allSentMs ? N : Number(final.sent_count);
  say(
    `send rate from the POST on: ${Math.round(sentCount / (elapsedMs / 1_000)).toLocaleString("en")} messages/s (${sentCount.toLocaleString("en")} sent in ${secs(elapsedMs)} s${allSentMs ? "" : `, stopped at BENCH_TIMEOUT_MS`})`,
  );
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  say(
    `dispatcher RSS: ${mb(rssBefore)} before, peak ${mb(rssPeak)} (target < 300 MB); V8 heap used ${mb(heapBefore.heapUsed)} before, peak ${mb(heapPeak)}; external ${mb(heapBefore.external)} before, peak ${mb(externalPeak)}`,
  );
  say(
    `single send: campaign had sent ${single?.campaignSentBefore ?? "-"} when it was posted; ${backlogAtSingle} campaign messages went out after it`,
  );
  say(`stack log: ${H.h.t.logFile}`);
  say(
    `final counters: ${JSON.stringify({ status: final.status, total: final.total_recipients, sent: final.sent_count, queued: final.queued_count, failed: final.failed_count, skipped: final.skipped_count })}; message rows: ${rowCount}; simulator recipients: ${simCount}`,
  );
} finally {
  await H.stop();
}
