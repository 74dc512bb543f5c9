import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MockProvider } from "../testkit/index.js";
import { downloadMedia, type MediaDownloadOptions } from "./media-download.js";
import { outboundPolicy, STRICT_OUTBOUND } from "./outbound-address.js";

const CDN = "https://cdn.example.com";
// Host names resolve to these in the tests: a public address, and a private one.
const ADDRESSES: Record<string, string> = { "cdn.example.com": "93.184.216.34", "internal.example.com": "10.0.0.5" };
const lookup = (host: string) => Promise.resolve({ address: ADDRESSES[host] ?? "93.184.216.35", family: 4 });

let mock: MockProvider | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

function opts(extra: Partial<MediaDownloadOptions> = {}): MediaDownloadOptions {
  return { policy: STRICT_OUTBOUND, maxBytes: 1000, timeoutMs: 5000, dispatcher: mock?.agent, lookup, ...extra };
}

async function bytesOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body) parts.push(p);
  return Buffer.concat(parts);
}

describe("downloadMedia", () => {
  it("downloads the bytes with the location's headers and reports the declared length", async () => {
    mock = new MockProvider(CDN);
    mock.serveBytes("/a.jpg", Buffer.from("jpeg-bytes"), { headers: { "content-length": "10" } });
    const d = await downloadMedia({ url: `${CDN}/a.jpg`, headers: { authorization: "Bearer t" }, secrets: [] }, opts());
    expect(d.declaredBytes).toBe(10);
    expect((await bytesOf(d.body)).toString()).toBe("jpeg-bytes");
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer t");
  });

  it("follows a redirect to another public origin without the credentials", async () => {
    mock = new MockProvider("https://api.provider.example");
    mock.serveBytes("/media/1", Buffer.alloc(0), { status: 302, headers: { location: `${CDN}/signed/1` } });
    mock.serveBytes("/signed/1", Buffer.from("img"), { origin: CDN });
    const d = await downloadMedia(
      { url: "https://api.provider.example/media/1", headers: { authorization: "Basic x" }, secrets: [] },
      opts(),
    );
    expect((await bytesOf(d.body)).toString()).toBe("img");
    expect(mock.requests.map((r) => r.headers.authorization)).toEqual(["Basic x", undefined]);
  });

  it("refuses a redirect to a private address unless the operator allowed it", async () => {
    mock = new MockProvider(CDN);
    mock.serveBytes("/a", Buffer.alloc(0), { status: 301, headers: { location: "https://internal.example.com/x" } });
    await expect(downloadMedia({ url: `${CDN}/a`, headers: {}, secrets: [] }, opts())).rejects.toMatchObject({
      code: "destination_forbidden",
      kind: "permanent",
    });
    expect(mock.requests).toHaveLength(1);

    mock.serveBytes("/a", Buffer.alloc(0), { status: 301, headers: { location: "https://internal.example.com/x" } });
    mock.serveBytes("/x", Buffer.from("ok"), { origin: "https://internal.example.com" });
    const d = await downloadMedia(
      { url: `${CDN}/a`, headers: {}, secrets: [] },
      opts({ policy: outboundPolicy("10.0.0.0/8") }),
    );
    expect((await bytesOf(d.body)).toString()).toBe("ok");
  });

  it("stops after a few redirects", async () => {
    mock = new MockProvider(CDN);
    for (let i = 0; i < 4; i++)
      mock.serveBytes(`/r${i}`, Buffer.alloc(0), { status: 302, headers: { location: `/r${i + 1}` } });
    await expect(downloadMedia({ url: `${CDN}/r0`, headers: {}, secrets: [] }, opts())).rejects.toMatchObject({
      code: "media_download_failed",
    });
    expect(mock.requests).toHaveLength(4);
  });

  it("refuses a declared length over the cap before reading, and cuts off a body that grows past it", async () => {
    mock = new MockProvider(CDN);
    mock.serveBytes("/big", Buffer.alloc(10), { headers: { "content-length": "5000" } });
    await expect(downloadMedia({ url: `${CDN}/big`, headers: {}, secrets: [] }, opts())).rejects.toMatchObject({
      code: "media_too_large",
    });
    mock.serveBytes("/big2", Buffer.alloc(1500));
    const d = await downloadMedia({ url: `${CDN}/big2`, headers: {}, secrets: [] }, opts({ maxBytes: 1000 }));
    await expect(bytesOf(d.body)).rejects.toMatchObject({ code: "media_too_large" });
  });

  it("classifies the answer: 5xx and 429 retryable, other errors permanent", async () => {
    mock = new MockProvider(CDN);
    mock.serveBytes("/a", Buffer.alloc(0), { status: 503 });
    mock.serveBytes("/b", Buffer.alloc(0), { status: 404 });
    const loc = (p: string) => ({ url: `${CDN}${p}`, headers: {}, secrets: [] });
    await expect(downloadMedia(loc("/a"), opts())).rejects.toMatchObject({ kind: "retryable" });
    await expect(downloadMedia(loc("/b"), opts())).rejects.toMatchObject({
      kind: "permanent",
      code: "media_download_failed",
    });
  });

  it("connects to the address it checked, not to a second resolution of the name", async () => {
    const server = createServer((_req, res) => res.end("pinned"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      // media.invalid resolves nowhere in real DNS: only the checked lookup's answer can reach the server.
      const d = await downloadMedia(
        { url: `http://media.invalid:${port}/x`, headers: {}, secrets: [] },
        {
          policy: outboundPolicy("127.0.0.1"),
          maxBytes: 100,
          timeoutMs: 5000,
          lookup: () => Promise.resolve({ address: "127.0.0.1", family: 4 }),
        },
      );
      expect((await bytesOf(d.body)).toString()).toBe("pinned");
    } finally {
      server.close();
    }
  });

  it("keeps secrets of the URL out of the error", async () => {
    mock = new MockProvider(CDN);
    await expect(
      downloadMedia({ url: "http://[bad/bot123:SECRET/file", headers: {}, secrets: ["123:SECRET"] }, opts()),
    ).rejects.toSatisfy((err: Error) => !err.message.includes("SECRET"));
  });
});
