import { createHash, randomUUID } from "node:crypto";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { MemoryMediaStore, readMediaChunks } from "../../core/media/store.js";
import { inboundMediaId } from "../../core/media/inbound-media.js";
import type { InboundEvent } from "../../core/webhooks/events.js";
import type { Database } from "../../db/client.js";
import { findMedia } from "../../db/media/media-rows.js";
import { openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { carriedMediaKeeper } from "./carried-media.js";
import type { ChannelCache, WebhookChannel } from "./channel-cache.js";
import type { WebhookDedup } from "./dedup.js";
import { webhookRouter } from "./receiver.js";

/**
 * Inbound e-mail through the receiver: the channel's token authenticates the inbound-parse
 * webhook, a message larger than the general body limit is taken, and its attachments are in the
 * store (bytes equal by SHA-256) with their media ids on the published event before the answer.
 */
const TOKEN = "inbound-token-0123456789";
const channel: WebhookChannel = {
  id: randomUUID(),
  accountId: randomUUID(),
  channelType: "email",
  provider: "default",
  enabled: true,
  senderName: null,
  credentials: { smtp_host: "smtp.example.org", from_email: "support@tenant.example", webhook_token: TOKEN },
  webhookSecret: "s",
};
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(1_500_000, 0x20), Buffer.from("\n%%EOF\n")]);
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(64, 1)]);
// An executable (the "MZ" signature): not on the allow-list.
const EXE = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(128, 0x90)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const log = createLogger("test", { level: "silent" });

let db: Database;
let close: (() => void) | undefined;
beforeAll(async () => {
  db = await openMigratedEmbedded();
}, 60_000);
afterAll(async () => db?.close());
afterEach(() => close?.());

function harness() {
  const published: InboundEvent[] = [];
  const store = new MemoryMediaStore();
  const channels = {
    get: async (id: string) => (id === channel.id ? channel : undefined),
    isFresh: () => true,
    refreshIfStale: async () => undefined,
  } as unknown as ChannelCache;
  const dedup = { claim: async () => true, release: async () => undefined } as unknown as WebhookDedup;
  const app = express().use(
    "/webhooks",
    webhookRouter({
      channels,
      dedup,
      publisher: { publish: async (_topic: string, e: unknown) => void published.push(e as InboundEvent) },
      log,
      carriedMedia: carriedMediaKeeper({ db, store, maxBytes: 100 * 1024 * 1024, retentionMs: 86_400_000, log }),
    }),
  );
  const server = app.listen(0, "127.0.0.1");
  const listening = new Promise<void>((r) => (server.listening ? r() : server.once("listening", () => r())));
  close = () => server.close();
  const url = (query = `?token=${TOKEN}`) =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/email/${channel.id}${query}`;
  return { published, store, url, listening };
}

const mail = (messageId: string) =>
  new MailComposer({
    from: "customer@example.org",
    to: "support@tenant.example",
    subject: "Scan",
    html: '<p>See attached.</p><img src="cid:sig@x">',
    messageId,
    attachments: [
      { filename: "scan.pdf", content: PDF, contentType: "application/pdf" },
      { filename: "sig.png", content: PNG, contentType: "image/png", cid: "sig@x" },
      { filename: "tool.exe", content: EXE, contentType: "application/octet-stream" },
    ],
  })
    .compile()
    .build();

const post = (url: string, body: Buffer) =>
  fetch(url, { method: "POST", headers: { "content-type": "message/rfc822" }, body: new Uint8Array(body) });

describe("inbound e-mail webhook", () => {
  it("keeps the attachments and inline part before answering, and publishes their media ids", async () => {
    const h = harness();
    const raw = await mail("<scan-1@example.org>");
    expect(raw.length).toBeGreaterThan(1024 * 1024); // over the general WEBHOOK_BODY_LIMIT
    const res = await post(h.url(), raw);
    expect(res.status).toBe(200);
    expect(h.published).toHaveLength(1);
    const m = h.published[0]!.message;
    expect(m).toMatchObject({ from: "customer@example.org", providerMessageId: "scan-1@example.org" });
    expect(m.text).toContain("Scan\n\nSee attached.");
    const entries = m.metadata.media as Record<string, unknown>[];
    const ids = [0, 1].map((i) => inboundMediaId(channel.id, "scan-1@example.org", i));
    expect(entries.map((e) => e.media_id ?? e.error)).toEqual([ids[0], ids[1], "media_type_not_allowed"]);
    for (const [i, bytes] of [PNG, PDF].entries()) {
      const row = await findMedia(db.orm, [channel.accountId], ids[i]!, new Date());
      expect(row).toMatchObject({ sha256: sha(bytes), source: "inbound", accountId: channel.accountId });
      const chunks: Buffer[] = [];
      for await (const c of readMediaChunks(h.store, channel.accountId, ids[i]!, row!.chunkCount)) chunks.push(c);
      expect(sha(Buffer.concat(chunks))).toBe(sha(bytes));
    }
    // The provider's retry finds the parts kept and writes nothing again.
    const before = h.store.objects.size;
    expect((await post(h.url(), raw)).status).toBe(200);
    expect(h.store.objects.size).toBe(before);
  });

  it("answers a large body with another token before reading it", async () => {
    const h = harness();
    await h.listening;
    const url = new URL(h.url("?token=wrong-token-0123456789"));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: { "content-type": "message/rfc822", "content-length": String(20 * 1024 * 1024) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      // A first chunk only: the rest of the declared 20 MB never comes.
      req.write(Buffer.alloc(64 * 1024, 0x41));
    });
    expect(status).toBe(403);
    expect(h.published).toHaveLength(0);
  });

  it("refuses a mail without the channel's token (401) or with another token (403), keeping nothing", async () => {
    const h = harness();
    const raw = await mail("<scan-2@example.org>");
    expect((await post(h.url(""), raw)).status).toBe(401);
    expect((await post(h.url("?token=wrong-token-0123456789"), raw)).status).toBe(403);
    expect(h.published).toHaveLength(0);
    expect(h.store.objects.size).toBe(0);
  });
});
