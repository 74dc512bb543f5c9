import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterRegistry, outboundPolicy } from "../../adapters/registry.js";
import { downloadMedia } from "../../adapters/contract/media-download.js";
import { DispatchPayload, type WebhookRequest } from "../../adapters/contract/types.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { ReceivedMessage } from "./received.js";
import { startSimulator, type RunningSimulator } from "./simulator.js";

const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(2048, 3)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const META_SECRET = "sim-app-secret-for-media";
const WA = {
  access_token: "sim-access-token-000",
  phone_number_id: "300000000000001",
  app_secret: META_SECRET,
  verify_token: "sim-verify-token",
};
const TG = { bot_token: "7000000001:SIMtokenSIMtokenSIMtoken" };
const MESSENGER = {
  page_access_token: "sim-page-token-000",
  page_id: "100000000000001",
  app_secret: META_SECRET,
  verify_token: "sim-verify-token",
};
const TWILIO = { account_sid: "AC" + "1".repeat(32), auth_token: "sim-twilio-auth-token-0001", from: "+15005550006" };

let sim: RunningSimulator;
/** Serves PNG at /image.png (our signed link's stand-in) and takes the simulator's webhooks. */
let files: Server;
let filesUrl = "";
const hooks: WebhookRequest[] = [];

beforeAll(async () => {
  files = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/image.png") {
      res.writeHead(200, { "content-type": "image/png", "content-length": PNG.length }).end(PNG);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hooks.push({
        method: req.method ?? "POST",
        url: req.url ?? "/",
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => files.listen(0, "127.0.0.1", () => r()));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  sim = await startSimulator({
    httpPort: 0,
    smtpPort: 0,
    smppPort: 0,
    signing: { metaAppSecret: META_SECRET },
    defaults: { receiptDelayMs: 5 },
    providers: {
      whatsapp: { webhookUrl: `${filesUrl}/hooks/whatsapp` },
      telegram: { webhookUrl: `${filesUrl}/hooks/telegram` },
    },
  });
});

afterAll(async () => {
  await sim?.stop();
  await new Promise<void>((r) => files.close(() => r()));
});

const registry = () =>
  createAdapterRegistry({
    outbound: outboundPolicy("127.0.0.1"),
    baseUrls: Object.fromEntries(["telegram", "whatsapp", "messenger", "twilio"].map((p) => [p, sim.httpUrl])),
  });

async function receivedBy(provider: string, to: string): Promise<ReceivedMessage[]> {
  const res = await fetch(`${sim.httpUrl}/_sim/received?provider=${provider}&to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { received: ReceivedMessage[] }).received;
}

async function upload(bytes: Buffer): Promise<{ id: string; sha256: string }> {
  const res = await fetch(`${sim.httpUrl}/_sim/media`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; sha256: string };
}

async function bytesOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body) parts.push(p);
  return Buffer.concat(parts);
}

describe("simulator: outbound media by link", () => {
  it.each([
    ["whatsapp", "whatsapp", "default", WA, "+251911000001", "251911000001"],
    ["telegram", "telegram", "default", TG, "5550001", "5550001"],
    ["messenger", "messenger", "default", MESSENGER, "6723591847361234", "6723591847361234"],
    ["twilio", "sms", "twilio", TWILIO, "+251911000002", "+251911000002"],
  ] as const)("%s fetches the link and records the bytes' SHA-256", async (provider, type, key, creds, to, seenAs) => {
    const payload = DispatchPayload.parse({
      messageId: randomUUID(),
      channelId: randomUUID(),
      channelType: type satisfies ChannelType,
      credentials: creds,
      deliveryAddress: to,
      messageBody: "a caption",
      lastInboundAt: new Date().toISOString(),
      attachments: [
        {
          url: `${filesUrl}/image.png`,
          kind: "image",
          contentType: "image/png",
          filename: null,
          sizeBytes: PNG.length,
        },
      ],
    });
    await registry().get(type, key).send(payload);
    const media = (await receivedBy(provider, seenAs)).flatMap((r) => r.media ?? []);
    expect(media).toEqual([
      expect.objectContaining({ url: `${filesUrl}/image.png`, sha256: sha(PNG), bytes: PNG.length }),
    ]);
  });
});

describe("simulator: media uploaded once and sent by the provider's id", () => {
  const payload = (type: ChannelType, creds: Record<string, unknown>, to: string, providerRef?: string) =>
    DispatchPayload.parse({
      messageId: randomUUID(),
      channelId: randomUUID(),
      channelType: type,
      credentials: creds,
      deliveryAddress: to,
      messageBody: "a caption",
      lastInboundAt: new Date().toISOString(),
      attachments: [
        {
          url: `${filesUrl}/image.png`,
          kind: "image",
          contentType: "image/png",
          filename: null,
          sizeBytes: PNG.length,
          ...(providerRef ? { providerRef } : {}),
        },
      ],
    });
  const uploads = async (provider: string) =>
    (
      (await (await fetch(`${sim.httpUrl}/_sim/uploads?provider=${provider}`)).json()) as {
        uploads: Array<{ id: string; sha256: string; bytes: number; contentType: string }>;
      }
    ).uploads;

  it("whatsapp: the media endpoint keeps the upload, and sends by its id record the same bytes", async () => {
    const adapter = registry().get("whatsapp", "default");
    const id = await adapter.uploadMedia!(WA, { bytes: PNG, contentType: "image/png", filename: "a.png" });
    expect(await uploads("whatsapp")).toContainEqual(
      expect.objectContaining({ id, sha256: sha(PNG), bytes: PNG.length, contentType: "image/png" }),
    );
    for (const to of ["+251911000011", "+251911000012"]) await adapter.send(payload("whatsapp", WA, to, id));
    const media = [
      ...(await receivedBy("whatsapp", "251911000011")),
      ...(await receivedBy("whatsapp", "251911000012")),
    ].flatMap((r) => r.media ?? []);
    expect(media).toEqual([
      expect.objectContaining({ id, sha256: sha(PNG), caption: "a caption" }),
      expect.objectContaining({ id, sha256: sha(PNG), caption: "a caption" }),
    ]);
    expect(media.every((m) => m.url === undefined)).toBe(true);
    await expect(adapter.send(payload("whatsapp", WA, "+251911000013", "no-such-media"))).rejects.toMatchObject({
      kind: "permanent",
    });
  });

  it("telegram: a photo by URL answers its file_id; a send by that file_id fetches nothing", async () => {
    const adapter = registry().get("telegram", "default");
    const before = (await uploads("telegram")).length;
    const first = await adapter.send(payload("telegram", TG, "5550011"));
    expect(first.mediaRef).toBeDefined();
    const after = await uploads("telegram");
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ id: first.mediaRef, sha256: sha(PNG) });
    const second = await adapter.send(payload("telegram", TG, "5550012", first.mediaRef));
    expect(second.mediaRef).toBeUndefined();
    expect(await uploads("telegram")).toHaveLength(before + 1);
    const [media] = (await receivedBy("telegram", "5550012")).flatMap((r) => r.media ?? []);
    expect(media).toMatchObject({ id: first.mediaRef, sha256: sha(PNG), caption: "a caption" });
  });

  it("messenger: a reusable attachment by URL answers its attachment_id; a send by that id fetches nothing", async () => {
    const adapter = registry().get("messenger", "default");
    const before = (await uploads("messenger")).length;
    const first = await adapter.send(payload("messenger", MESSENGER, "6723591847360011"));
    expect(first.mediaRef).toBeDefined();
    const after = await uploads("messenger");
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ id: first.mediaRef, sha256: sha(PNG) });
    const second = await adapter.send(payload("messenger", MESSENGER, "6723591847360012", first.mediaRef));
    expect(second.mediaRef).toBeUndefined();
    expect(await uploads("messenger")).toHaveLength(before + 1);
    const media = (await receivedBy("messenger", "6723591847360012")).flatMap((r) => r.media ?? []);
    expect(media).toEqual([expect.objectContaining({ id: first.mediaRef, sha256: sha(PNG) })]);
    expect(media[0]!.url).toBeUndefined();
    await expect(
      adapter.send(payload("messenger", MESSENGER, "6723591847360013", "no-such-attachment")),
    ).rejects.toMatchObject({ kind: "permanent" });
  });
});

describe("simulator: a Telegram album", () => {
  it("arrives as one message per item, the caption on the first, each with the fetched bytes", async () => {
    const image = {
      url: `${filesUrl}/image.png`,
      kind: "image",
      contentType: "image/png",
      filename: null,
      sizeBytes: PNG.length,
    };
    const sent = await registry()
      .get("telegram", "default")
      .send(
        DispatchPayload.parse({
          messageId: randomUUID(),
          channelId: randomUUID(),
          channelType: "telegram",
          credentials: TG,
          deliveryAddress: "5550021",
          messageBody: "two views",
          attachments: [image, { ...image, kind: "video" }],
        }),
      );
    const received = await receivedBy("telegram", "5550021");
    expect(received).toHaveLength(2);
    expect(received[0]!.id).toBe(sent.providerMessageId);
    expect(received.map((r) => [r.text, r.media?.[0]?.kind, r.media?.[0]?.sha256])).toEqual([
      ["two views", "photo", sha(PNG)],
      [null, "video", sha(PNG)],
    ]);
    expect(received[0]!.mediaGroupId).toBe(received[1]!.mediaGroupId);
  });
});

describe("simulator: inbound media", () => {
  it("whatsapp: an inbound image names the media id, whose URL serves the bytes to the bearer token", async () => {
    const item = await upload(PNG);
    expect(item.sha256).toBe(sha(PNG));
    const res = await fetch(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "whatsapp", from: "+251911000009", text: "look", media: { id: item.id } }),
    });
    expect(res.status).toBe(202);
    const adapter = registry().get("whatsapp");
    const hook = hooks.find((h) => h.url === "/hooks/whatsapp" && h.rawBody.includes(item.id))!;
    const [message] = adapter.parseInbound(hook);
    expect(message).toMatchObject({ contentType: "image", metadata: { media: [{ ref: item.id, kind: "image" }] } });

    const location = await adapter.locateInboundMedia!(item.id, WA);
    const download = await downloadMedia(location, {
      policy: outboundPolicy("127.0.0.1"),
      maxBytes: 1_000_000,
      timeoutMs: 5000,
    });
    expect(sha(await bytesOf(download.body))).toBe(sha(PNG));
    const anonymous = await fetch(location.url);
    expect(anonymous.status).toBe(401);
  });

  it("telegram: an inbound photo's file_id resolves through getFile to the bytes", async () => {
    const item = await upload(PNG);
    const res = await fetch(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "telegram", from: "5550009", text: "a photo", media: { id: item.id } }),
    });
    expect(res.status).toBe(202);
    const adapter = registry().get("telegram");
    const hook = hooks.find((h) => h.url === "/hooks/telegram" && h.rawBody.includes(item.id))!;
    const [message] = adapter.parseInbound(hook);
    expect(message).toMatchObject({ metadata: { media: [{ ref: item.id, kind: "image" }] } });

    const location = await adapter.locateInboundMedia!(item.id, TG);
    const download = await downloadMedia(location, {
      policy: outboundPolicy("127.0.0.1"),
      maxBytes: 1_000_000,
      timeoutMs: 5000,
    });
    expect(sha(await bytesOf(download.body))).toBe(sha(PNG));
  });

  it("an inbound message naming media the simulator does not hold is refused", async () => {
    const res = await fetch(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "whatsapp", from: "+251911000009", text: "x", media: { id: "nope" } }),
    });
    expect(res.status).toBe(400);
  });
});
