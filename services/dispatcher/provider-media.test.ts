import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAdapter } from "../../adapters/contract/contract.js";
import { sentResult, type DispatchResult, type MediaReuse, type MediaUpload } from "../../adapters/contract/types.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";
import { createLogger } from "../../core/logger.js";
import { mediaChunkKey, MemoryMediaStore } from "../../core/media/store.js";
import type { Database } from "../../db/client.js";
import { insertMedia } from "../../db/media/media-rows.js";
import { openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { providerMediaSender } from "./provider-media.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const log = createLogger("test", { level: "silent" });
const DAY = 86_400_000;

/** An adapter that records uploads and sends; the provider answers after a tick, like a real one. */
function fakeAdapter(reuse: MediaReuse | undefined, opts: { failUploads?: boolean } = {}) {
  const uploads: MediaUpload[] = [];
  const sends: DispatchAttachment[][] = [];
  const adapter = {
    mediaReuse: reuse,
    async uploadMedia(_creds: unknown, media: MediaUpload) {
      uploads.push(media);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.failUploads) throw new Error("upload refused");
      return `ref-${uploads.length}`;
    },
  } as unknown as ChannelAdapter;
  const send = async (attachments: DispatchAttachment[]): Promise<DispatchResult> => {
    sends.push(attachments);
    await new Promise((r) => setTimeout(r, 5));
    const first = attachments[0];
    const result = sentResult(`m${sends.length}`);
    // A first-send provider answers its reference for a file it fetched by URL.
    return reuse?.by === "first-send" && first && !first.providerRef
      ? { ...result, mediaRef: `file-${sends.length}` }
      : result;
  };
  return { adapter, uploads, sends, send };
}

describe("provider media: one upload per channel and object", () => {
  let db: Database;
  const store = new MemoryMediaStore();
  const account = randomUUID();
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(3 * 1024 * 1024, 7)]);
  const created = new Date("2026-11-27T12:00:00Z");
  let clock = created;

  async function storedImage(expiresInMs = 30 * DAY): Promise<string> {
    const id = randomUUID();
    const half = 2 * 1024 * 1024;
    await store.putChunk(mediaChunkKey(account, id, 0), bytes.subarray(0, half));
    await store.putChunk(mediaChunkKey(account, id, 1), bytes.subarray(half));
    await insertMedia(db.orm, {
      id,
      accountId: account,
      contentType: "image/png",
      sizeBytes: bytes.length,
      sha256: sha(bytes),
      chunkCount: 2,
      chunkBytes: half,
      filename: "promo.png",
      source: "upload",
      createdAt: created,
      expiresAt: new Date(created.getTime() + expiresInMs),
    });
    return id;
  }

  const attachment = (mediaId: string): DispatchAttachment => ({
    url: `https://api.example/media-links/${mediaId}`,
    kind: "image",
    contentType: "image/png",
    filename: "promo.png",
    sizeBytes: bytes.length,
    mediaId,
  });

  beforeAll(async () => {
    db = await openMigratedEmbedded();
  }, 60_000);
  afterAll(async () => db.close());

  const sender = () => providerMediaSender({ db, store, log, now: () => clock });

  it("uploads once for 50 concurrent sends on a channel, and once more on another channel", async () => {
    const mediaId = await storedImage();
    const fake = fakeAdapter({ by: "upload", lifetimeMs: 30 * DAY });
    const send = sender();
    const [a, b] = [randomUUID(), randomUUID()];
    const job = (channelId: string) =>
      send({ channelId, adapter: fake.adapter, credentials: {}, attachments: [attachment(mediaId)], send: fake.send });
    await Promise.all(Array.from({ length: 50 }, () => job(a)));
    expect(fake.uploads).toHaveLength(1);
    expect(sha(fake.uploads[0]!.bytes)).toBe(sha(bytes));
    expect(fake.uploads[0]).toMatchObject({ contentType: "image/png", filename: "promo.png" });
    expect(fake.sends.map((s) => s[0]!.providerRef)).toEqual(Array(50).fill("ref-1"));

    await Promise.all(Array.from({ length: 5 }, () => job(b)));
    expect(fake.uploads).toHaveLength(2);
    expect(fake.sends.slice(50).map((s) => s[0]!.providerRef)).toEqual(Array(5).fill("ref-2"));

    // Another process (a restarted dispatcher) finds the reference in the table.
    const again = fakeAdapter({ by: "upload", lifetimeMs: 30 * DAY });
    await sender()({
      channelId: a,
      adapter: again.adapter,
      credentials: {},
      attachments: [attachment(mediaId)],
      send: again.send,
    });
    expect(again.uploads).toHaveLength(0);
    expect(again.sends[0]![0]!.providerRef).toBe("ref-1");
  });

  it("uploads again once the provider's lifetime or the object's own expiry has passed", async () => {
    const shortLived = await storedImage(2 * DAY);
    const fake = fakeAdapter({ by: "upload", lifetimeMs: DAY });
    const send = sender();
    const channelId = randomUUID();
    const job = () =>
      send({
        channelId,
        adapter: fake.adapter,
        credentials: {},
        attachments: [attachment(shortLived)],
        send: fake.send,
      });
    clock = created;
    await job();
    clock = new Date(created.getTime() + DAY - 1000);
    await job();
    expect(fake.uploads).toHaveLength(1);
    clock = new Date(created.getTime() + DAY + 1000);
    await job();
    expect(fake.uploads).toHaveLength(2);
    // The second reference is kept until the object expires (2 days), not a full provider day.
    const row = await db.withSession((s) =>
      s.query<{ expires_at: Date }>(`SELECT expires_at FROM provider_media_refs WHERE media_id = $1`, [shortLived]),
    );
    expect(new Date(row.rows[0]!.expires_at).getTime()).toBe(created.getTime() + 2 * DAY);
    clock = created;
  });

  it("sends by link when the upload fails, without trying again for every message", async () => {
    const mediaId = await storedImage();
    const fake = fakeAdapter({ by: "upload", lifetimeMs: 30 * DAY }, { failUploads: true });
    const send = sender();
    const channelId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        send({
          channelId,
          adapter: fake.adapter,
          credentials: {},
          attachments: [attachment(mediaId)],
          send: fake.send,
        }),
      ),
    );
    expect(results).toHaveLength(20);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.sends.every((s) => s[0]!.providerRef === undefined && s[0]!.url.includes(mediaId))).toBe(true);
  });

  it("first-send providers: one send goes by link, the ones waiting for it send its file id", async () => {
    const mediaId = await storedImage();
    const fake = fakeAdapter({ by: "first-send", lifetimeMs: null });
    const send = sender();
    const channelId = randomUUID();
    await Promise.all(
      Array.from({ length: 30 }, () =>
        send({
          channelId,
          adapter: fake.adapter,
          credentials: {},
          attachments: [attachment(mediaId)],
          send: fake.send,
        }),
      ),
    );
    expect(fake.sends).toHaveLength(30);
    expect(fake.sends.filter((s) => s[0]!.providerRef === undefined)).toHaveLength(1);
    expect(fake.sends[0]![0]!.providerRef).toBeUndefined();
    expect(fake.sends.slice(1).every((s) => s[0]!.providerRef === "file-1")).toBe(true);
  });

  it("a first send that fails hands the lead to a waiting one", async () => {
    const mediaId = await storedImage();
    const fake = fakeAdapter({ by: "first-send", lifetimeMs: null });
    let calls = 0;
    const flaky = async (attachments: DispatchAttachment[]) => {
      if (++calls === 1) {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error("recipient blocked the bot");
      }
      return fake.send(attachments);
    };
    const send = sender();
    const channelId = randomUUID();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        send({ channelId, adapter: fake.adapter, credentials: {}, attachments: [attachment(mediaId)], send: flaky }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(1);
    expect(fake.sends.filter((s) => s[0]!.providerRef === undefined)).toHaveLength(1);
    expect(fake.sends.filter((s) => s[0]!.providerRef === "file-1")).toHaveLength(8);
  });

  it("first-send providers: an album uses the references kept and makes no send wait", async () => {
    const [kept, fresh] = [await storedImage(), await storedImage()];
    const fake = fakeAdapter({ by: "first-send", lifetimeMs: null });
    const send = sender();
    const channelId = randomUUID();
    await send({ channelId, adapter: fake.adapter, credentials: {}, attachments: [attachment(kept)], send: fake.send });
    await Promise.all(
      Array.from({ length: 5 }, () =>
        send({
          channelId,
          adapter: fake.adapter,
          credentials: {},
          attachments: [attachment(kept), attachment(fresh)],
          send: fake.send,
        }),
      ),
    );
    expect(fake.sends.slice(1).map((s) => s.map((a) => a.providerRef ?? null))).toEqual(
      Array(5).fill(["file-1", null]),
    );
  });

  it("passes sends through untouched when the provider reuses nothing or the attachment is a URL", async () => {
    const mediaId = await storedImage();
    const none = fakeAdapter(undefined);
    const send = sender();
    await send({
      channelId: randomUUID(),
      adapter: none.adapter,
      credentials: {},
      attachments: [attachment(mediaId)],
      send: none.send,
    });
    const byUrl = fakeAdapter({ by: "upload", lifetimeMs: DAY });
    const url: DispatchAttachment = {
      url: "https://cdn.example/a.png",
      kind: "image",
      contentType: null,
      filename: null,
      sizeBytes: null,
    };
    await send({
      channelId: randomUUID(),
      adapter: byUrl.adapter,
      credentials: {},
      attachments: [url],
      send: byUrl.send,
    });
    expect(none.uploads).toHaveLength(0);
    expect(byUrl.uploads).toHaveLength(0);
    expect(none.sends[0]![0]!.providerRef).toBeUndefined();
    expect(byUrl.sends[0]).toEqual([url]);
  });
});
