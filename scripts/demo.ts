/**
 * The main job, on the embedded default (in-memory pub/sub, SQLite actor state, PGlite data; no
 * server to install): placement, scheduler, the all-in-one app with its sidecar, and the provider
 * simulator. Through the REST API it creates a channel of every type pointed at the simulator,
 * imports 10,000 contacts, runs a campaign to them with a live progress bar, sends single
 * messages on every channel, and waits until every receipt the providers send back has come in
 * through the webhook receivers. Then it prints a summary per channel type and checks that the
 * platform's records, the campaign's counters and the simulator's own counts agree. Exits non-zero
 * on any loss or mismatch.
 */

import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSimulator } from "../services/simulator/spawn.js";
import { demoChannels, simulatorWebhooks } from "./demo/channels.js";
import { apiClient, listAll } from "./demo/client.js";
import { channelReport, progressLine, reportTable, type ChannelReport } from "./demo/report.js";
import { fileSink } from "./launcher/proc.js";
import { componentSet } from "./launcher/sets.js";
import { startStack } from "./launcher/stack.js";

const CONTACTS = Number(process.env.DEMO_CONTACTS ?? 10_000);
const SINGLES = Number(process.env.DEMO_MESSAGES_PER_CHANNEL ?? 100);
const FAILURE_SHARE = Number(process.env.DEMO_FAILURE_SHARE ?? 0.02);
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 600_000);
const CAMPAIGN_CHANNEL = process.env.DEMO_CAMPAIGN_CHANNEL ?? "smpp";
const PAGE = 1000;

const say = (msg: string) => process.stdout.write(`${msg}\n`);
const tty = process.stdout.isTTY === true;
let lastPlain = 0;
/** A live line on a terminal; in a log (CI, a pipe) one line every few seconds instead. */
const progress = (line: string, final = false) => {
  if (tty) process.stdout.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
  else if (final || Date.now() - lastPlain > 2_000) {
    lastPlain = Date.now();
    say(line);
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const runDir = mkdtempSync(join(tmpdir(), "turumba-demo-"));
const logs = fileSink(join(runDir, "platform.log"));
// Every provider delivers after a short delay and reports a small share as undeliverable.
const sim = await spawnSimulator({
  defaults: { receiptDelayMs: 20, outcomes: { delivered: 1 - FAILURE_SHARE, failed: FAILURE_SHARE } },
});
const set = componentSet("embedded");
say(
  `Turumba demo — embedded default (${set.pubsub} pub/sub, ${set.state} actor state, PGlite); logs: ${join(runDir, "platform.log")}`,
);
const started = Date.now();
const stack = await startStack({
  name: "demo",
  ...set,
  apps: set.apps.map((a) => ({
    ...a,
    env: { LOG_LEVEL: "warn", API_RATE_LIMIT: "0", API_LIST_MAX_LIMIT: String(PAGE) },
  })),
  env: {
    // The simulator's SMTP and SMPP endpoints are on loopback: allowed explicitly.
    OUTBOUND_ALLOW: "127.0.0.1",
    PROVIDER_BASE_URLS: JSON.stringify(
      Object.fromEntries(
        ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"].map((p) => [p, sim.http]),
      ),
    ),
  },
  basePort: 22000,
  runDir,
  sink: logs.sink,
  daprLogLevel: process.env.DEMO_DAPR_LOG_LEVEL as "debug" | undefined,
});
say(
  `platform up in ${((Date.now() - started) / 1000).toFixed(1)} s: placement, scheduler, app + daprd, provider simulator`,
);

const apiBase = stack.url("turumba", "").replace(/\/$/, "");
const api = apiClient((path) => `${apiBase}${path}`);
const accountId = randomUUID();
const channels = demoChannels(sim);

let exitCode = 0;
try {
  const { key } = (await api.call(
    "POST",
    "/internal/api-keys",
    { accountId, name: "demo" },
    { authorization: `Bearer ${stack.tokens.opsApiToken}` },
  )) as { key: string };
  api.useKey(key);

  const ids = new Map<string, string>();
  for (const ch of channels) {
    const created = await api.call("POST", "/v1/channels", {
      account_id: accountId,
      name: `demo ${ch.label}`,
      rate_limit: 120_000,
      burst: 500,
      ...ch.body,
    });
    ids.set(ch.label, created.id as string);
  }
  await fetch(`${sim.http}/_sim/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ providers: simulatorWebhooks(apiBase, channels, ids) }),
  });
  say(
    `created ${channels.length} channels through the REST API (${channels.map((c) => c.label).join(", ")}); receipts go to /webhooks/{type}/{id}`,
  );

  // Contacts: one CSV upload, streamed into a contact group.
  const campaignChannel = channels.find((c) => c.label === CAMPAIGN_CHANNEL)!;
  const group = await api.call("POST", "/v1/contact-groups", { account_id: accountId, name: "demo subscribers" });
  const csv = [
    "name,phone",
    ...Array.from({ length: CONTACTS }, (_, i) => `Person${i} Demo,${campaignChannel.address(50_000 + i)}`),
  ].join("\n");
  const imported = await api.call("POST", `/v1/contact-groups/${String(group.id)}/import`, csv);
  say(`imported ${String(imported.imported)} contacts into a group (CSV, streamed)`);

  // The campaign, then single messages on every channel while it runs.
  const t0 = Date.now();
  const campaign = await api.call("POST", "/v1/group-messages", {
    account_id: accountId,
    name: "demo campaign",
    channel_id: ids.get(CAMPAIGN_CHANNEL),
    message_body: "Hi {FIRST_NAME}, this is the Turumba demo campaign.",
    contact_group_ids: [group.id],
    status: "queued",
  });
  const campaignId = String(campaign.id);
  // Single messages on every channel, sent while the campaign runs.
  const singlesDone = (async () => {
    let n = 0;
    for (const ch of channels) {
      for (let i = 0; i < SINGLES; i += 20) {
        const batch = Array.from({ length: Math.min(20, SINGLES - i) }, (_, k) =>
          api.call("POST", "/v1/messages", {
            account_id: accountId,
            channel_id: ids.get(ch.label),
            delivery_address: ch.address(i + k),
            message_body: `Hello from Turumba (${ch.label} #${i + k})`,
            ...(ch.metadata ? { metadata: ch.metadata } : {}),
          }),
        );
        n += (await Promise.all(batch)).length;
      }
    }
    return n;
  })();
  say(
    `campaign to ${CONTACTS.toLocaleString("en-US")} contacts queued on ${CAMPAIGN_CHANNEL}; single messages going out on all ${channels.length} channels meanwhile`,
  );

  // Live progress until every receipt is in (or the deadline passes).
  const deadline = t0 + TIMEOUT_MS;
  let g: Record<string, unknown> = campaign;
  for (;;) {
    g = await api.call("GET", `/v1/group-messages/${campaignId}`);
    const total = Number(g.total_recipients) || CONTACTS;
    const skipped = Number(g.skipped_count);
    const settled = Number(g.delivered_count) + Number(g.failed_count) + skipped + Number(g.cancelled_count);
    progress(
      progressLine("campaign", settled, total, {
        queued: Number(g.queued_count),
        sent: Number(g.sent_count),
        delivered: Number(g.delivered_count),
        failed: Number(g.failed_count),
      }),
    );
    const terminal = ["completed", "partially_failed", "failed"].includes(String(g.status));
    if ((terminal && settled >= total) || Date.now() > deadline) break;
    await sleep(500);
  }
  progress(progressLine("campaign", 1, 1, { status: 0 }).replace("status 0", `status ${String(g.status)}`), true);
  const singles = await singlesDone;

  // Singles (and campaign receipts) on the other channels settle in the same few seconds.
  const receiptsOn = (label: string) =>
    channels.find((c) => label === c.label || label === `${c.label} (campaign)`)!.receipts;
  const reports: ChannelReport[] = [];
  for (;;) {
    reports.length = 0;
    for (const ch of channels) {
      const rows = await listAll(
        api,
        `/v1/messages?filter=channel_id:eq:${ids.get(ch.label)}&sort=created_at:asc`,
        PAGE,
      );
      // The campaign's rows apart: their time to the provider is mostly their place in its queue.
      const ofCampaign = rows.filter((m) => m.group_message_id === campaignId);
      if (ofCampaign.length > 0) reports.push(channelReport(`${ch.label} (campaign)`, ofCampaign));
      reports.push(
        channelReport(
          ch.label,
          rows.filter((m) => m.group_message_id !== campaignId),
        ),
      );
    }
    const open = reports.reduce((n, r) => n + r.pending + (receiptsOn(r.label) ? r.awaitingReceipt : 0), 0);
    progress(`receipts still expected: ${open}`);
    if (open === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  const seconds = (Date.now() - t0) / 1000;

  say("");
  for (const line of reportTable(reports, receiptsOn)) say(line);

  const stats = (await (await fetch(`${sim.http}/_sim/stats`)).json()) as {
    providers: Record<string, { accepted?: number }>;
  };
  const campaignRows = await listAll(api, `/v1/messages?filter=group_message_id:eq:${campaignId}`, PAGE);
  const fromRows = channelReport("campaign", campaignRows);
  // From the POST to the last campaign message handed to its provider, by the rows' own clocks.
  const lastSent = Math.max(...campaignRows.map((m) => (typeof m.sent_at === "string" ? Date.parse(m.sent_at) : 0)));
  const campaignSeconds = (lastSent - Date.parse(String(campaign.created_at))) / 1000;
  const totals = reports.reduce(
    (t, r) => ({
      messages: t.messages + r.total,
      sent: t.sent + r.sent,
      delivered: t.delivered + r.delivered,
      failed: t.failed + r.failed,
    }),
    { messages: 0, sent: 0, delivered: 0, failed: 0 },
  );
  const providerAccepted = Object.values(stats.providers).reduce((n, p) => n + (p.accepted ?? 0), 0);
  const checks: [string, boolean][] = [
    [
      `campaign counters = its message rows (delivered ${String(g.delivered_count)}/${fromRows.delivered}, failed ${String(g.failed_count)}/${fromRows.failed})`,
      Number(g.delivered_count) === fromRows.delivered && Number(g.failed_count) === fromRows.failed,
    ],
    [
      `every message reached its provider (ours ${totals.sent}, simulator's ${providerAccepted}, expected ${CONTACTS + singles})`,
      totals.sent === CONTACTS + singles && providerAccepted === CONTACTS + singles,
    ],
    [
      "every receipt applied (no message left in sent on a channel with receipts)",
      reports.every((r) => !receiptsOn(r.label) || r.awaitingReceipt === 0),
    ],
  ];
  say("");
  say(
    `campaign: ${CONTACTS.toLocaleString("en-US")} contacts, all handed to the provider in ${campaignSeconds.toFixed(1)} s (${(CONTACTS / campaignSeconds).toFixed(0)} messages/s), status ${String(g.status)}`,
  );
  say(
    `all: ${totals.messages} messages, ${totals.sent} sent, ${totals.delivered} delivered, ${totals.failed} failed (the simulator fails ${(FAILURE_SHARE * 100).toFixed(0)} % on purpose) in ${seconds.toFixed(1)} s`,
  );
  for (const [what, ok] of checks) {
    say(`${ok ? "✔" : "✘"} ${what}`);
    if (!ok) exitCode = 1;
  }
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
