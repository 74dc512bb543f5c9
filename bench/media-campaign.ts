/**
 * What an image adds to a campaign: WhatsApp campaigns of the same recipients on the production
 * set (RabbitMQ, PostgreSQL, API and dispatcher apart) against the provider simulator, text and
 * image alternately in one run, each on a channel of its own (so every image round pays its one
 * upload). Prints msg/s, ms per message and the enqueue → sent p50/p95 side by side, and the
 * media figures of each image round: uploads to the provider and their bytes, sends naming the
 * uploaded id.
 *
 *   flock /tmp/turumba-integration.lock node --import tsx bench/media-campaign.ts
 *   (BENCH_RECIPIENTS=2000, BENCH_ROUNDS=2, BENCH_IMAGE_BYTES=300000)
 *
 * Fixed loopback ports (28 400 and up), hence the integration lock.
 */

import { createHash } from "node:crypto";
import { startCampaignHarness } from "../test/integration/campaign/harness.js";
import { withPg } from "../test/integration/support/seed.js";
import type { ReceivedMessage } from "../services/simulator/received.js";
import { percentile, printTable } from "./lib.js";

const N = Number(process.env.BENCH_RECIPIENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const IMAGE_BYTES = Number(process.env.BENCH_IMAGE_BYTES ?? 300_000);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 28_400);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const image = (() => {
  const b = Buffer.alloc(IMAGE_BYTES);
  for (let i = 0; i < b.length; i += 4096) b[i] = i & 0xff;
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
})();

const H = await startCampaignHarness({ basePort: BASE_PORT, appEnv: { LOG_LEVEL: "warn" } });
try {
  const phones = Array.from({ length: N }, (_, i) => `+25191400${String(i).padStart(4, "0")}`);
  const groupId = await H.group("bench", ["name,phone", ...phones.map((p, i) => `Guest${i},${p}`)].join("\n"));
  const up = await fetch(H.h.t.stack.url(H.h.t.apiApp, `/v1/media?account_id=${H.accountId}&channel_type=whatsapp`), {
    method: "POST",
    headers: { "x-api-key": H.apiKey },
    body: image,
  });
  if (up.status !== 201) throw new Error(`media upload: ${up.status} ${await up.text()}`);
  const mediaId = ((await up.json()) as { id: string }).id;

  const round = async (kind: "text" | "image", n: number) => {
    const channelId = await H.channel({
      name: `bench-${kind}-${n}`,
      channel_type: "whatsapp",
      credentials: {
        access_token: "sim-access-token-000",
        phone_number_id: `30000000000${String(n).padStart(4, "0")}`,
        app_secret: "sim-meta-app-secret",
        verify_token: "sim-verify-token",
      },
      rate_limit: 1_000_000,
    });
    // Every recipient wrote in an hour ago: the care window is open for free-form messages.
    await withPg(H.h.db, (c) =>
      c.query(
        `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_inbound_at)
         SELECT gen_random_uuid(), $1, $2, 'whatsapp', a, 'us', now() - interval '1 hour' FROM unnest($3::text[]) AS a`,
        [H.accountId, channelId, phones],
      ),
    );
    await fetch(`${H.h.sim.httpUrl}/_sim/reset`, { method: "POST" });
    const started = performance.now();
    const created = await H.api("POST", "/v1/group-messages", {
      account_id: H.accountId,
      channel_id: channelId,
      message_body: "Our new menu, {NAME}",
      contact_group_ids: [groupId],
      ...(kind === "image" ? { channel_options: { attachments: [{ media_id: mediaId }] } } : {}),
      status: "queued",
    });
    if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    const done = await H.waitFor(id, (g) => g.status === "completed", `the ${kind} campaign`, 600_000);
    const seconds = (performance.now() - started) / 1000;
    if (done.sent_count !== N) throw new Error(`${kind}: ${String(done.sent_count)} of ${N} sent`);
    const latencies = await withPg(H.h.db, async (c) => {
      const r = await c.query<{ ms: number }>(
        `SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM messages WHERE group_message_id = $1`,
        [id],
      );
      return r.rows.map((x) => Number(x.ms)).sort((a, b) => a - b);
    });
    const uploads = (
      (await (await fetch(`${H.h.sim.httpUrl}/_sim/uploads?provider=whatsapp`)).json()) as {
        uploads: Array<{ id: string; sha256: string; bytes: number }>;
      }
    ).uploads.filter((u) => u.sha256 === sha(image));
    const received = (
      (await (await fetch(`${H.h.sim.httpUrl}/_sim/received?provider=whatsapp&limit=${N}`)).json()) as {
        received: ReceivedMessage[];
      }
    ).received;
    const byId = received.filter((r) => r.media?.[0]?.id !== undefined && r.media[0].sha256 === sha(image)).length;
    return {
      kind,
      msgPerS: N / seconds,
      msPerMessage: (seconds * 1000) / N,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      uploads: uploads.length,
      uploadBytes: uploads.reduce((s, u) => s + u.bytes, 0),
      sentById: byId,
    };
  };

  const results: Awaited<ReturnType<typeof round>>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    results.push(await round("text", 2 * r));
    results.push(await round("image", 2 * r + 1));
  }
  printTable(`WhatsApp campaigns of ${N} recipients, text against a ${IMAGE_BYTES}-byte image, production set`, [
    ...results.map((x, i) => ({
      round: String(Math.floor(i / 2) + 1),
      campaign: x.kind,
      "msg/s": x.msgPerS.toFixed(0),
      "ms/message": x.msPerMessage.toFixed(3),
      "p50 / p95 ms enqueue→sent": `${x.p50.toFixed(0)} / ${x.p95.toFixed(0)}`,
      "uploads (bytes)": x.kind === "image" ? `${x.uploads} (${x.uploadBytes})` : "-",
      "sent by media id": x.kind === "image" ? String(x.sentById) : "-",
    })),
  ]);
  const mean = (kind: string) => {
    const of = results.filter((x) => x.kind === kind);
    return of.reduce((s, x) => s + x.msPerMessage, 0) / of.length;
  };
  const added = mean("image") - mean("text");
  process.stdout.write(
    `\nadded per message by the image: ${added.toFixed(3)} ms (${((added / mean("text")) * 100).toFixed(0)}% of a text message's ${mean("text").toFixed(3)} ms)\n`,
  );
} finally {
  await H.stop();
}
