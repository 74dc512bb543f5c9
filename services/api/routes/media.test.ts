import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryMediaStore } from "../../../core/media/store.js";
import { sweepExpiredMedia } from "../media/expiry-sweep.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

const MB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** A PNG signature and IHDR start, then filler: what file-type reads as image/png. */
const png = (size: number) => {
  const b = Buffer.alloc(size, 7);
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
};
const pdf = (size: number) => {
  const b = Buffer.alloc(size, 0x20);
  b.write("%PDF-1.7\n");
  return b;
};

describe("media upload and download", () => {
  let api: EmbeddedApi;
  const store = new MemoryMediaStore();
  beforeAll(async () => {
    api = await startEmbeddedApi({ MEDIA_MAX_BYTES: String(8 * MB) }, { media: store });
  }, 60_000);
  afterAll(async () => api.close());

  const upload = (body: Buffer | FormData, headers: Record<string, string> = {}, query = "") =>
    fetch(`${api.url}/v1/media${query}`, {
      method: "POST",
      headers: { "x-api-key": api.apiKey, ...headers },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it("stores a raw-body upload in chunks with a sniffed type, size and SHA-256, and serves the same bytes", async () => {
    const bytes = png(5 * MB + 123);
    const res = await upload(bytes, { "content-type": "text/plain" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: "image/png", size_bytes: bytes.length, sha256: sha(bytes) });
    // 2 MiB chunks: three objects for 5 MiB and a bit.
    const keys = [...store.objects.keys()].filter((k) => k.includes(res.body.id as string));
    expect(keys).toHaveLength(3);
    const got = await fetch(`${api.url}/v1/media/${res.body.id as string}`, { headers: { "x-api-key": api.apiKey } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    const back = Buffer.from(await got.arrayBuffer());
    expect(sha(back)).toBe(sha(bytes));
  });

  it("takes the `file` part of a multipart form, with its file name", async () => {
    const form = new FormData();
    form.append("note", "ignored");
    form.append("file", new Blob([pdf(3000)]), "report.pdf");
    const res = await upload(form);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ content_type: "application/pdf", size_bytes: 3000, filename: "report.pdf" });
    const none = new FormData();
    none.append("other", new Blob([pdf(10)]), "x.pdf");
    expect((await upload(none)).body.code).toBe("media_file_required");
  });

  it("refuses what is not on the allow-list, too large, or too large for the channel type, storing nothing", async () => {
    const before = store.objects.size;
    const exe = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(5000, 0)]);
    const bad = await upload(exe);
    expect(bad.status).toBe(415);
    expect(bad.body.code).toBe("media_type_not_allowed");
    const big = await upload(png(9 * MB));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: "media_too_large", detail: expect.any(String) });
    const forWhatsApp = await upload(png(6 * MB), {}, "?channel_type=whatsapp");
    expect(forWhatsApp.status).toBe(413);
    expect(forWhatsApp.body.detail).toMatch(/whatsapp image limit/);
    const forSmpp = await upload(png(1000), {}, "?channel_type=smpp");
    expect(forSmpp.status).toBe(422);
    expect(forSmpp.body.code).toBe("media_not_supported_by_channel");
    expect((await upload(Buffer.alloc(0))).body.code).toBe("media_empty");
    expect(store.objects.size).toBe(before);
  });

  it("serves an object to its own account only: another account gets the 404 of an unknown id", async () => {
    const res = await upload(png(2000));
    const id = res.body.id as string;
    const other = await api.token([crypto.randomUUID()]);
    const theirs = await fetch(`${api.url}/v1/media/${id}`, { headers: { authorization: `Bearer ${other}` } });
    expect(theirs.status).toBe(404);
    expect(((await theirs.json()) as { code: string }).code).toBe("not_found");
    const mine = await api.token([api.accountId]);
    expect((await fetch(`${api.url}/v1/media/${id}`, { headers: { authorization: `Bearer ${mine}` } })).status).toBe(
      200,
    );
  });

  it("the expiry sweep deletes expired objects' chunks and rows", async () => {
    const res = await upload(png(3 * MB));
    const id = res.body.id as string;
    expect(await sweepExpiredMedia(api.db, store, new Date())).toBe(0);
    const later = new Date(Date.now() + 31 * 86_400_000);
    expect(await sweepExpiredMedia(api.db, store, later)).toBeGreaterThanOrEqual(1);
    expect([...store.objects.keys()].some((k) => k.includes(id))).toBe(false);
    const gone = await fetch(`${api.url}/v1/media/${id}`, { headers: { "x-api-key": api.apiKey } });
    expect(gone.status).toBe(404);
  });
});

describe("media routes without a store", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi();
  }, 60_000);
  afterAll(async () => api.close());

  it("answer 503 media_store_unavailable", async () => {
    const res = await fetch(`${api.url}/v1/media`, {
      method: "POST",
      headers: { "x-api-key": api.apiKey },
      body: png(100),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("media_store_unavailable");
  });
});
