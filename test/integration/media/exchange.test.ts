import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appPorts, REPO_ROOT } from "../../../scripts/launcher/stack.js";
import type { ReceivedMessage } from "../../../services/simulator/received.js";
import { startCampaignHarness, type CampaignHarness } from "../campaign/harness.js";
import { vonageCredentials } from "../dispatch/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { startRelay, type Relay } from "../webhooks/proxy.js";
import { pdf, png } from "./suite.js";

/**
 * Media both ways on the production set (RabbitMQ, PostgreSQL, API and dispatcher apart, media on
 * SeaweedFS's S3 API), against the provider simulator: an inbound WhatsApp and Telegram image is
 * fetched by the inbound consumer into the store and served to its account only; an inbound
 * e-mail with a PDF attached and an inline PNG, posted by the simulator's inbound-parse webhook,
 * is stored as a message with both parts in the store and served to its account only; an image
 * uploaded by the account and sent by media id reaches the simulator with the same SHA-256; a
 * 1,000-recipient WhatsApp campaign with an image uploads it to the provider once, and a Messenger
 * campaign fetches it once by URL and sends the rest by its reusable attachment_id; on a Vonage
 * SMS channel with the link fallback, the image goes as a signed link in the text.
 */
const BASE_PORT = 28_400;
const RELAY_PORT = 28_590;
const META_SECRET = "sim-meta-app-secret";
const creds = {
  telegram: { bot_token: "7000000701:SIMtokenSIMtokenSIMtoken", webhook_secret: "sim-secret-token_701" },
  whatsapp: {
    access_token: "sim-access-token-000",
    phone_number_id: "300000000000001",
    app_secret: META_SECRET,
    verify_token: "sim-verify-token",
  },
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const image = png(300_000);

let H: CampaignHarness;
let relay: Relay;
let otherKey = "";
const ch: Record<string, string> = {};

const apiUrl = (path: string) => H.h.t.stack.url(H.h.t.apiApp, path);
const download = (id: string, key: string) => fetch(apiUrl(`/v1/media/${id}`), { headers: { "x-api-key": key } });

async function simInbound(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
}

async function simUpload(bytes: Buffer): Promise<string> {
  const res = await fetch(`${H.h.sim.httpUrl}/_sim/media`, { method: "POST", body: bytes });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The stored inbound message's `metadata.media` once its fetch recorded an outcome. */
function fetchedMedia(channelId: string, from: string): Promise<Array<Record<string, unknown>>> {
  return eventually(
    "the inbound media fetched",
    () =>
      withPg(H.h.db, async (c) => {
        const { rows } = await c.query<{ metadata: { media?: Array<Record<string, unknown>> } }>(
          `SELECT metadata FROM messages WHERE channel_id = $1 AND direction = 'inbound' AND delivery_address = $2`,
          [channelId, from],
        );
        const media = rows[0]?.metadata.media;
        return media?.every((m) => m.media_id || m.error) ? media : undefined;
      }),
    60_000,
  );
}

async function receivedMedia(provider: string, to: string) {
  return eventually(
    `${provider} received the image`,
    async () => {
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/received?provider=${provider}&to=${encodeURIComponent(to)}`);
      const media = ((await res.json()) as { received: ReceivedMessage[] }).received.flatMap((r) => r.media ?? []);
      return media.length > 0 ? media : undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
  // The S3-compatible server is started by the project's own script, like PostgreSQL.
  execFileSync("bash", [join(REPO_ROOT, "scripts/infra.sh"), "s3"], { stdio: "inherit", timeout: 1_200_000 });
  relay = await startRelay(RELAY_PORT);
  H = await startCampaignHarness({
    basePort: BASE_PORT,
    appEnv: {
      WEBHOOK_PUBLIC_URL: relay.url,
      WEBHOOK_REGISTER_EVERY_MS: "500",
      // Signed media links point at the API itself (the relay passes text, not bytes).
      MEDIA_PUBLIC_BASE_URL: `http://127.0.0.1:${appPorts(BASE_PORT, 0).app}`,
    },
  });
  relay.setTarget(apiUrl("/"));
  ch.whatsapp = await H.channel({
    name: "wa",
    channel_type: "whatsapp",
    credentials: creds.whatsapp,
    rate_limit: 6000,
  });
  ch.telegram = await H.channel({
    name: "tg",
    channel_type: "telegram",
    credentials: creds.telegram,
    rate_limit: 6000,
  });
  H.h.sim.configure({
    defaults: { receiptDelayMs: 20 },
    providers: { whatsapp: { receiptDelayMs: 20, webhookUrl: `${relay.url}/webhooks/whatsapp/${ch.whatsapp}` } },
  });
  const other = await H.h.t.ops("/internal/api-keys", { method: "POST", body: { accountId: randomUUID() } });
  otherKey = (other.body as { key: string }).key;
  // Telegram learns the webhook from the API's registrar (setWebhook with the secret token).
  await eventually(
    "telegram webhook registered",
    async () => ((await telegramRegistered()) ? true : undefined),
    30_000,
  );
}, 1_500_000);

async function telegramRegistered(): Promise<boolean> {
  const res = await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: "telegram", from: "5550000", text: "ping", token: creds.telegram.bot_token }),
  });
  return res.status === 202;
}

afterAll(async () => {
  await H?.stop();
  await relay?.stop();
});

describe("media both ways on the production set with the S3 store", () => {
  it.each([
    ["whatsapp", "+251911007001"],
    ["telegram", "5557001"],
  ] as const)(
    "%s: an inbound image ends up in the store, served to its account and 404 to another",
    { timeout: 120_000 },
    async (provider, from) => {
      const id = await simUpload(image);
      await simInbound({
        provider,
        from,
        text: "a picture",
        media: { id, kind: "image" },
        ...(provider === "telegram" ? { token: creds.telegram.bot_token } : {}),
      });
      const [entry] = await fetchedMedia(ch[provider]!, from);
      expect(entry).toMatchObject({ ref: id, kind: "image" });
      expect(entry!.error).toBeUndefined();
      const mine = await download(entry!.media_id as string, H.apiKey);
      expect(mine.status).toBe(200);
      expect(mine.headers.get("content-type")).toBe("image/png");
      expect(sha(Buffer.from(await mine.arrayBuffer()))).toBe(sha(image));
      expect((await download(entry!.media_id as string, otherKey)).status).toBe(404);
    },
  );

  it(
    "email: an inbound e-mail's PDF and inline PNG end up in the store, served to its account and 404 to another",
    {
      timeout: 120_000,
    },
    async () => {
      const token = "sim-inbound-mail-token-01";
      const mail = await H.channel({
        name: "inbound-mail",
        channel_type: "email",
        credentials: {
          smtp_host: "127.0.0.1",
          smtp_port: H.h.sim.smtpPort,
          require_tls: false,
          from_email: "support@tenant.example",
          webhook_token: token,
        },
        rate_limit: 6000,
      });
      const document = pdf(400_000);
      const from = "customer@example.org";
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/inbound-email`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          url: apiUrl(`/webhooks/email/${mail}?token=${token}`),
          from,
          subject: "Signed contract",
          html: '<p>The contract, signed.</p><img src="cid:stamp@example.org">',
          attachments: [
            { id: await simUpload(document), filename: "contract.pdf" },
            { id: await simUpload(image), filename: "stamp.png", cid: "stamp@example.org" },
          ],
        }),
      });
      expect(res.status).toBe(202);
      const entries = await fetchedMedia(mail, from);
      const stored = await withPg(H.h.db, async (c) =>
        c.query<{ body: string; metadata: { subject?: string } }>(
          `SELECT message_body AS body, metadata FROM messages WHERE channel_id = $1 AND direction = 'inbound'`,
          [mail],
        ),
      );
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0]!.body).toBe("Signed contract\n\nThe contract, signed.");
      expect(stored.rows[0]!.metadata.subject).toBe("Signed contract");
      const byName = new Map(entries.map((e) => [e.filename, e]));
      expect(byName.get("stamp.png")).toMatchObject({ cid: "stamp@example.org", inline: true, kind: "image" });
      for (const [name, bytes, type] of [
        ["contract.pdf", document, "application/pdf"],
        ["stamp.png", image, "image/png"],
      ] as const) {
        const id = byName.get(name)?.media_id as string;
        expect(id, name).toBeTypeOf("string");
        const mine = await download(id, H.apiKey);
        expect(mine.status).toBe(200);
        expect(mine.headers.get("content-type")).toBe(type);
        expect(sha(Buffer.from(await mine.arrayBuffer()))).toBe(sha(bytes));
        expect((await download(id, otherKey)).status).toBe(404);
      }
    },
  );

  it.each([
    ["whatsapp", "+251911007001", "251911007001"],
    ["telegram", "5557001", "5557001"],
  ] as const)(
    "%s: an image sent by media id reaches the provider with the same SHA-256",
    { timeout: 120_000 },
    async (provider, to, seenAs) => {
      const up = await fetch(apiUrl(`/v1/media?account_id=${H.accountId}&channel_type=${provider}`), {
        method: "POST",
        headers: { "x-api-key": H.apiKey },
        body: image,
      });
      expect(up.status).toBe(201);
      const mediaId = ((await up.json()) as { id: string }).id;
      const sent = await H.api("POST", "/v1/messages", {
        account_id: H.accountId,
        channel_id: ch[provider],
        delivery_address: to,
        message_body: "our picture",
        channel_options: { attachments: [{ media_id: mediaId }] },
      });
      expect(sent.status).toBe(201);
      const [media] = await receivedMedia(provider, seenAs);
      expect(media).toMatchObject({ kind: provider === "telegram" ? "photo" : "image", caption: "our picture" });
      expect(media!.sha256).toBe(sha(image));
      expect(media!.bytes).toBe(image.length);
    },
  );

  it("an SMS channel without media and with the link fallback sends a link to the image in the text", async () => {
    const vonage = await H.channel({
      name: "vonage-links",
      channel_type: "sms",
      provider: "vonage",
      credentials: vonageCredentials,
      media_fallback: "link",
      rate_limit: 6000,
    });
    const up = await fetch(apiUrl(`/v1/media?account_id=${H.accountId}`), {
      method: "POST",
      headers: { "x-api-key": H.apiKey },
      body: image,
    });
    const mediaId = ((await up.json()) as { id: string }).id;
    const to = "+251911007099";
    const sent = await H.api("POST", "/v1/messages", {
      account_id: H.accountId,
      channel_id: vonage,
      delivery_address: to,
      message_body: "Your receipt",
      channel_options: { attachments: [{ media_id: mediaId }] },
    });
    expect(sent.status).toBe(201);
    const [received] = await eventually(
      "vonage received the text",
      async () => {
        const res = await fetch(
          `${H.h.sim.httpUrl}/_sim/received?provider=vonage&to=${encodeURIComponent(to.slice(1))}`,
        );
        const all = ((await res.json()) as { received: ReceivedMessage[] }).received;
        return all.length > 0 ? all : undefined;
      },
      60_000,
    );
    const [text, link] = received!.text!.split("\n");
    expect(text).toBe("Your receipt");
    expect(link).toMatch(/\/media-links\/[^/\s]+$/);
    const fetched = await fetch(link!);
    expect(fetched.status).toBe(200);
    expect(sha(Buffer.from(await fetched.arrayBuffer()))).toBe(sha(image));
  });

  it(
    "a 1,000-recipient WhatsApp campaign with an image uploads it once and sends every message by its id",
    { timeout: 300_000 },
    async () => {
      const n = 1_000;
      // Bytes of their own, so uploads of the image other tests sent are not counted.
      const banner = png(250_000 + 7);
      const up = await fetch(apiUrl(`/v1/media?account_id=${H.accountId}&channel_type=whatsapp`), {
        method: "POST",
        headers: { "x-api-key": H.apiKey },
        body: banner,
      });
      expect(up.status).toBe(201);
      const mediaId = ((await up.json()) as { id: string }).id;
      const phones = Array.from({ length: n }, (_, i) => `+25191300${String(i).padStart(4, "0")}`);
      const groupId = await H.group("banner", ["name,phone", ...phones.map((p, i) => `Guest${i},${p}`)].join("\n"));
      // Every recipient wrote in an hour ago, as the inbound consumer records it: the care window
      // is open, so the image goes as a free-form media message.
      await withPg(H.h.db, (c) =>
        c.query(
          `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_inbound_at)
           SELECT gen_random_uuid(), $1, $2, 'whatsapp', a, 'us', now() - interval '1 hour' FROM unnest($3::text[]) AS a`,
          [H.accountId, ch.whatsapp, phones],
        ),
      );
      const created = await H.api("POST", "/v1/group-messages", {
        account_id: H.accountId,
        channel_id: ch.whatsapp,
        message_body: "Our new menu, {NAME}",
        contact_group_ids: [groupId],
        channel_options: { attachments: [{ media_id: mediaId }] },
        status: "queued",
      });
      expect(created.status).toBe(201);
      const done = await H.waitFor(
        created.body.id as string,
        (g) => g.status === "completed",
        "the image campaign to complete",
        240_000,
      );
      expect(done).toMatchObject({ sent_count: n, failed_count: 0 });

      const uploads = (
        (await (await fetch(`${H.h.sim.httpUrl}/_sim/uploads?provider=whatsapp`)).json()) as {
          uploads: Array<{ id: string; sha256: string; bytes: number }>;
        }
      ).uploads.filter((u) => u.sha256 === sha(banner));
      expect(uploads).toHaveLength(1);
      expect(uploads[0]!.bytes).toBe(banner.length);
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/received?provider=whatsapp&limit=5000`);
      const sends = ((await res.json()) as { received: ReceivedMessage[] }).received.filter((r) =>
        r.media?.some((m) => m.sha256 === sha(banner)),
      );
      expect(sends).toHaveLength(n);
      expect(new Set(sends.map((r) => r.to)).size).toBe(n);
      expect(sends.every((r) => r.media!.length === 1 && r.media![0]!.id === uploads[0]!.id)).toBe(true);
      expect(sends.every((r) => r.media![0]!.url === undefined)).toBe(true);
      // The reference is kept per channel and object until the provider forgets it (30 days).
      const refs = await withPg(H.h.db, (c) =>
        c.query<{ provider_ref: string; days: number }>(
          `SELECT provider_ref, extract(epoch FROM expires_at - created_at) / 86400 AS days
             FROM provider_media_refs WHERE channel_id = $1 AND media_id = $2`,
          [ch.whatsapp, mediaId],
        ),
      );
      expect(refs.rows).toHaveLength(1);
      expect(refs.rows[0]!.provider_ref).toBe(uploads[0]!.id);
      expect(Number(refs.rows[0]!.days)).toBeGreaterThan(29.9);
    },
  );

  it(
    "a Messenger campaign with an image: Messenger fetches it once by URL, the others go by its attachment_id",
    { timeout: 180_000 },
    async () => {
      const n = 50;
      const messenger = await H.channel({
        name: "fb",
        channel_type: "messenger",
        credentials: {
          page_access_token: "sim-page-token-000",
          page_id: "100000000000001",
          app_secret: META_SECRET,
          verify_token: "sim-verify-token",
        },
        rate_limit: 6000,
      });
      const poster = png(120_000 + 11);
      const up = await fetch(apiUrl(`/v1/media?account_id=${H.accountId}&channel_type=messenger`), {
        method: "POST",
        headers: { "x-api-key": H.apiKey },
        body: poster,
      });
      expect(up.status).toBe(201);
      const mediaId = ((await up.json()) as { id: string }).id;
      const psids = Array.from({ length: n }, (_, i) => `67235918473${String(i).padStart(5, "0")}`);
      const groupId = await H.group(
        "fb-poster",
        ["name,messenger_psid", ...psids.map((p, i) => `Fan${i},${p}`)].join("\n"),
      );
      const created = await H.api("POST", "/v1/group-messages", {
        account_id: H.accountId,
        channel_id: messenger,
        message_body: "Our poster, {NAME}",
        contact_group_ids: [groupId],
        channel_options: { attachments: [{ media_id: mediaId }] },
        status: "queued",
      });
      expect(created.status).toBe(201);
      const done = await H.waitFor(
        created.body.id as string,
        (g) => g.status === "completed",
        "the Messenger image campaign to complete",
        120_000,
      );
      expect(done).toMatchObject({ sent_count: n, failed_count: 0 });

      const uploads = (
        (await (await fetch(`${H.h.sim.httpUrl}/_sim/uploads?provider=messenger`)).json()) as {
          uploads: Array<{ id: string; sha256: string }>;
        }
      ).uploads.filter((u) => u.sha256 === sha(poster));
      expect(uploads).toHaveLength(1);
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/received?provider=messenger&limit=5000`);
      const sends = ((await res.json()) as { received: ReceivedMessage[] }).received.filter((r) =>
        r.media?.some((m) => m.sha256 === sha(poster)),
      );
      expect(sends).toHaveLength(n);
      expect(new Set(sends.map((r) => r.to)).size).toBe(n);
      const byUrl = sends.filter((r) => r.media![0]!.url !== undefined);
      const byId = sends.filter((r) => r.media![0]!.id === uploads[0]!.id);
      expect([byUrl.length, byId.length]).toEqual([1, n - 1]);
      const refs = await withPg(H.h.db, (c) =>
        c.query<{ provider_ref: string }>(
          `SELECT provider_ref FROM provider_media_refs WHERE channel_id = $1 AND media_id = $2`,
          [messenger, mediaId],
        ),
      );
      expect(refs.rows.map((r) => r.provider_ref)).toEqual([uploads[0]!.id]);
    },
  );
});
