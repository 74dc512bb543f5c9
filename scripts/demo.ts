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
import type { ReceivedMessage } from "../services/simulator/received.js";
import { demoCampaigns, demoImage, describeReceived, type DemoCampaign } from "./demo/campaigns.js";
import { demoChannels, simulatorWebhooks } from "./demo/channels.js";
import { allMessages, bootstrapApiKey, demoClient, ok, type BodyOf } from "./demo/client.js";
import { channelReport, progressLine, reportTable, type ChannelReport } from "./demo/report.js";
import { fileSink } from "./launcher/proc.js";
import { componentSet } from "./launcher/sets.js";
import { startStack } from "./launcher/stack.js";

const CONTACTS = Number(process.env.DEMO_CONTACTS ?? 10_000);
const SINGLES = Number(process.env.DEMO_MESSAGES_PER_CHANNEL ?? 100);
const FAILURE_SHARE = Number(process.env.DEMO_FAILURE_SHARE ?? 0.02);
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 600_000);
/** Recipients of the WhatsApp and e-mail campaigns (the SMPP campaign goes to all DEMO_CONTACTS). */
const SIDE_CONTACTS = Math.min(CONTACTS, Number(process.env.DEMO_SIDE_CONTACTS ?? 1_000));
const PAGE = 1000;
/** The image campaign's picture: 200 KB, a typical compressed photo. */
const IMAGE_BYTES = 200_000;

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
const accountId = randomUUID();
const channels = demoChannels(sim);

let exitCode = 0;
try {
  const apiKey = await bootstrapApiKey(apiBase, stack.tokens.opsApiToken, accountId);
  const api = demoClient(apiBase, apiKey);

  const ids = new Map<string, string>();
  for (const ch of channels) {
    const body = {
      account_id: accountId,
      name: `demo ${ch.label}`,
      rate_limit: ch.rateLimit ?? 120_000,
      burst: ch.burst ?? 500,
      ...ch.body,
    } as BodyOf<"createChannel">;
    const created = await ok("POST /v1/channels", api.POST("/v1/channels", { body }));
    ids.set(ch.label, created.id);
  }
  await fetch(`${sim.http}/_sim/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ providers: simulatorWebhooks(apiBase, channels, ids) }),
  });
  say(
    `created ${channels.length} channels through the REST API (${channels.map((c) => c.label).join(", ")}); receipts go to /webhooks/{type}/{id}`,
  );

  // Contacts: one CSV upload, streamed into a contact group; the first SIDE_CONTACTS of them
  // also form a smaller group for the WhatsApp and e-mail campaigns.
  const smpp = channels.find((c) => c.label === "smpp")!;
  const telegram = channels.find((c) => c.label === "telegram")!;
  const contactRow = (i: number) =>
    `Person${i} Demo,${smpp.address(50_000 + i)},person${i}@example.test,${telegram.address(50_000 + i)}`;
  const importGroup = async (name: string, n: number) => {
    const group = await ok(
      "POST /v1/contact-groups",
      api.POST("/v1/contact-groups", { body: { account_id: accountId, name } }),
    );
    const csv = ["name,phone,email,telegram_chat_id", ...Array.from({ length: n }, (_, i) => contactRow(i))].join("\n");
    const imported = await ok(
      "POST /v1/contact-groups/{id}/import",
      api.POST("/v1/contact-groups/{id}/import", {
        params: { path: { id: group.id } },
        body: csv,
        bodySerializer: (text: string) => text,
        headers: { "content-type": "text/csv" },
      }),
    );
    return { id: group.id, imported: imported.imported };
  };
  const everyone = await importGroup("demo subscribers", CONTACTS);
  const side = await importGroup("demo newsletter", SIDE_CONTACTS);
  say(
    `imported ${everyone.imported} contacts into a group (CSV, streamed), and ${side.imported} of them into a second`,
  );

  // The image campaign's picture: uploaded once through the API, sniffed and checksummed there.
  const image = demoImage(IMAGE_BYTES);
  const uploaded = await fetch(
    `${apiBase}/v1/media?account_id=${accountId}&channel_type=telegram&filename=poster.png`,
    {
      method: "POST",
      headers: { "x-api-key": apiKey },
      body: image,
    },
  );
  if (uploaded.status !== 201) throw new Error(`POST /v1/media: ${uploaded.status} ${await uploaded.text()}`);
  const media = (await uploaded.json()) as { id: string; sha256: string; size_bytes: number };
  say(`uploaded the campaign image through POST /v1/media: ${media.size_bytes.toLocaleString("en-US")} bytes`);

  // The campaigns, then single messages on every channel while they run.
  const t0 = Date.now();
  const campaigns = new Map<string, { spec: DemoCampaign; created: Record<string, unknown> }>();
  for (const spec of demoCampaigns(SIDE_CONTACTS)) {
    const template = await ok(
      "POST /v1/templates",
      api.POST("/v1/templates", {
        body: { account_id: accountId, name: `demo ${spec.channel}`, ...spec.template } as BodyOf<"createTemplate">,
      }),
    );
    const created = await ok(
      "POST /v1/group-messages",
      api.POST("/v1/group-messages", {
        body: {
          account_id: accountId,
          name: `demo campaign (${spec.channel})`,
          channel_id: ids.get(spec.channel)!,
          template_id: template.id,
          contact_group_ids: [spec.recipients === "all" ? everyone.id : side.id],
          ...(spec.image ? { channel_options: { attachments: [{ media_id: media.id }] } } : {}),
          status: "queued",
        },
      }),
    );
    campaigns.set(String(created.id), { spec, created });
  }
  const campaignContacts = [...campaigns.values()].reduce(
    (n, c) => n + (c.spec.recipients === "all" ? CONTACTS : c.spec.recipients),
    0,
  );
  const campaignOf = (id: unknown) => (typeof id === "string" ? campaigns.get(id) : undefined);
  // Single messages on every channel, sent while the campaigns run.
  const singlesDone = (async () => {
    let n = 0;
    for (const ch of channels) {
      for (let i = 0; i < SINGLES; i += 20) {
        const batch = Array.from({ length: Math.min(20, SINGLES - i) }, (_, k) =>
          ok(
            "POST /v1/messages",
            api.POST("/v1/messages", {
              body: {
                account_id: accountId,
                channel_id: ids.get(ch.label),
                delivery_address: ch.address(i + k),
                message_body: `Hello from Turumba (${ch.label} #${i + k})`,
                ...(ch.options ? { channel_options: ch.options } : {}),
              },
            }),
          ),
        );
        n += (await Promise.all(batch)).length;
      }
    }
    return n;
  })();
  say(
    `campaigns queued: ${[...campaigns.values()].map((c) => `${c.spec.channel} to ${(c.spec.recipients === "all" ? CONTACTS : c.spec.recipients).toLocaleString("en-US")}`).join(", ")}; single messages going out on all ${channels.length} channels meanwhile`,
  );

  // Live progress until every campaign is done and its receipts are in (or the deadline passes).
  const deadline = t0 + TIMEOUT_MS;
  const latest = new Map<string, Record<string, unknown>>();
  for (;;) {
    const sum = { total: 0, settled: 0, queued: 0, sent: 0, delivered: 0, failed: 0 };
    let finished = true;
    for (const id of campaigns.keys()) {
      const g = await ok(
        "GET /v1/group-messages/{id}",
        api.GET("/v1/group-messages/{id}", { params: { path: { id } } }),
      );
      latest.set(id, g);
      const total = Number(g.total_recipients) || 0;
      // A message is settled at its receipt, or once sent where the channel sends no receipts.
      const receipts = channels.find((c) => c.label === campaignOf(id)!.spec.channel)!.receipts;
      const closed = Number(g.failed_count) + Number(g.skipped_count) + Number(g.cancelled_count);
      const settled = Math.min(total, closed + Number(receipts ? g.delivered_count : g.sent_count));
      sum.total += total;
      sum.settled += settled;
      sum.queued += Number(g.queued_count);
      sum.sent += Number(g.sent_count);
      sum.delivered += Number(g.delivered_count);
      sum.failed += Number(g.failed_count);
      const terminal = ["completed", "partially_failed", "failed"].includes(String(g.status));
      if (!terminal || total === 0 || settled < total) finished = false;
    }
    const { total, settled, ...parts } = sum;
    progress(progressLine("campaigns", settled, total || campaignContacts, parts));
    if (finished || Date.now() > deadline) break;
    await sleep(500);
  }
  progress(
    progressLine("campaigns", 1, 1, {}).trimEnd() +
      `  ${[...campaigns].map(([id, c]) => `${c.spec.channel} ${String(latest.get(id)?.status)}`).join(", ")}`,
    true,
  );
  const singles = await singlesDone;

  // Singles (and campaign receipts) on the other channels settle in the same few seconds.
  const receiptsOn = (label: string) => channels.find((c) => label.split(" ")[0] === c.label)!.receipts;
  const reports: ChannelReport[] = [];
  const rowsByCampaign = new Map<string, Record<string, unknown>[]>();
  for (;;) {
    reports.length = 0;
    rowsByCampaign.clear();
    for (const ch of channels) {
      const rows = await allMessages(api, [`channel_id:eq:${ids.get(ch.label)}`], PAGE);
      // Campaign rows apart: their time to the provider is mostly their place in the campaign's queue.
      for (const m of rows) {
        if (!campaignOf(m.group_message_id)) continue;
        const id = String(m.group_message_id);
        if (!rowsByCampaign.has(id)) rowsByCampaign.set(id, []);
        rowsByCampaign.get(id)!.push(m);
      }
      for (const [id, c] of campaigns)
        if (c.spec.channel === ch.label)
          reports.push(channelReport(`${ch.label} (campaign)`, rowsByCampaign.get(id) ?? []));
      reports.push(
        channelReport(
          ch.label,
          rows.filter((m) => !campaignOf(m.group_message_id)),
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
  const checks: [string, boolean][] = [];

  // What each campaign's provider received, as the simulator recorded it.
  say("");
  say("what the providers received for the campaigns (one recipient each):");
  for (const [id, c] of campaigns) {
    const ch = channels.find((x) => x.label === c.spec.channel)!;
    const rows = rowsByCampaign.get(id) ?? [];
    const addresses = new Set(
      rows.flatMap((m) => [String(m.delivery_address), String(m.delivery_address).replace(/^\+/, "")]),
    );
    const received = (
      (await (await fetch(`${sim.http}/_sim/received?provider=${ch.simProvider}`)).json()) as {
        received: ReceivedMessage[];
      }
    ).received.filter((r) => addresses.has(r.to));
    say(`  ${c.spec.channel.padEnd(10)} ${received[0] ? describeReceived(received[0]) : "nothing received"}`);
    // The simulator keeps the last 20,000 sends: with larger runs only those are checked here
    // (the count of every send is the "reached its provider" check below).
    const wrong = received.map((r) => c.spec.problem(r)).filter((p): p is string => p !== null);
    checks.push([
      `${c.spec.channel} campaign: ${received.length} messages as the provider received them, ${wrong.length === 0 ? "each with the channel's content" : `${wrong.length} wrong (${wrong[0]})`}`,
      received.length > 0 && wrong.length === 0,
    ]);
    const g = latest.get(id)!;
    const fromRows = channelReport(c.spec.channel, rows);
    checks.push([
      `${c.spec.channel} campaign counters = its message rows (delivered ${String(g.delivered_count)}/${fromRows.delivered}, failed ${String(g.failed_count)}/${fromRows.failed})`,
      Number(g.delivered_count) === fromRows.delivered && Number(g.failed_count) === fromRows.failed,
    ]);
  }
  checks.push(
    [
      `every message reached its provider (ours ${totals.sent}, simulator's ${providerAccepted}, expected ${campaignContacts + singles})`,
      totals.sent === campaignContacts + singles && providerAccepted === campaignContacts + singles,
    ],
    [
      "every receipt applied (no message left in sent on a channel with receipts)",
      reports.every((r) => !receiptsOn(r.label) || r.awaitingReceipt === 0),
    ],
  );
  say("");
  for (const [id, c] of campaigns) {
    const rows = rowsByCampaign.get(id) ?? [];
    // From the POST to the last message handed to its provider, by the rows' own clocks.
    const lastSent = Math.max(...rows.map((m) => (typeof m.sent_at === "string" ? Date.parse(m.sent_at) : 0)));
    const secondsToProvider = (lastSent - Date.parse(String(c.created.created_at))) / 1000;
    say(
      `${c.spec.channel} campaign: ${rows.length.toLocaleString("en-US")} contacts, all handed to the provider in ${secondsToProvider.toFixed(1)} s (${(rows.length / secondsToProvider).toFixed(0)} messages/s), status ${String(latest.get(id)?.status)}`,
    );
  }
  // The image campaign's media figures: what crossed to the provider, and what it cost a message.
  for (const [id, c] of campaigns) {
    if (!c.spec.image) continue;
    const ch = channels.find((x) => x.label === c.spec.channel)!;
    const rows = rowsByCampaign.get(id) ?? [];
    const addresses = new Set(rows.map((m) => String(m.delivery_address)));
    const uploads = (
      (await (await fetch(`${sim.http}/_sim/uploads?provider=${ch.simProvider}`)).json()) as {
        uploads: Array<{ sha256: string; bytes: number }>;
      }
    ).uploads.filter((u) => u.sha256 === media.sha256);
    const received = (
      (await (await fetch(`${sim.http}/_sim/received?provider=${ch.simProvider}`)).json()) as {
        received: ReceivedMessage[];
      }
    ).received.filter((r) => addresses.has(r.to));
    const withImage = received.filter((r) => r.media?.[0]?.sha256 === media.sha256);
    const byRef = withImage.filter((r) => r.media?.[0]?.id !== undefined).length;
    const uploadedBytes = uploads.reduce((n, u) => n + u.bytes, 0);
    const perMessage = (m: Record<string, unknown>[]) => {
      const first = Math.min(...m.map((x) => Date.parse(String(x.created_at))));
      const last = Math.max(...m.map((x) => (typeof x.sent_at === "string" ? Date.parse(x.sent_at) : 0)));
      return (last - first) / Math.max(1, m.length);
    };
    say(
      `${c.spec.channel} image campaign: the provider received the image ${uploads.length}× (${uploadedBytes.toLocaleString("en-US")} bytes for ${rows.length.toLocaleString("en-US")} messages, ${Math.round(uploadedBytes / Math.max(1, rows.length)).toLocaleString("en-US")} bytes a message; by link every time it would be ${(image.length * rows.length).toLocaleString("en-US")}), ${byRef} sent by file_id, ${perMessage(rows).toFixed(2)} ms a message`,
    );
    checks.push([
      `${c.spec.channel} image campaign: one upload to the provider, every message with the image's SHA-256 (${uploads.length} upload, ${withImage.length}/${received.length})`,
      uploads.length === 1 && received.length > 0 && withImage.length === received.length,
    ]);
  }
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
