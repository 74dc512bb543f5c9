import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaLinkKey, signMediaLink } from "../../../core/media/link-token.js";
import { MemoryMediaStore } from "../../../core/media/store.js";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

const MB = 1024 * 1024;
const png = (size: number) => {
  const b = Buffer.alloc(size, 7);
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
};

describe("attachments on sends", () => {
  let api: EmbeddedApi;
  let telegram: string;
  let smpp: string;
  let image: string;
  let bigImage: string;
  const key = mediaLinkKey("k1:test");
  beforeAll(async () => {
    api = await startEmbeddedApi({}, { media: new MemoryMediaStore(), mediaLinkKey: key });
    telegram = await insertChannel(api.db, api.accountId, { channelType: "telegram", provider: "default" });
    smpp = await insertChannel(api.db, api.accountId, { channelType: "smpp", provider: "default" });
    const up = async (bytes: Buffer) => {
      const r = await fetch(`${api.url}/v1/media`, {
        method: "POST",
        headers: { "x-api-key": api.apiKey },
        body: bytes,
      });
      return ((await r.json()) as { id: string }).id;
    };
    image = await up(png(2000));
    bigImage = await up(png(12 * MB));
  }, 60_000);
  afterAll(async () => api.close());

  const send = (channelId: string, attachments: unknown[], deliveryAddress = "12345") =>
    api.call("POST", "/v1/messages", {
      body: {
        channel_id: channelId,
        delivery_address: deliveryAddress,
        message_body: "caption",
        channel_options: { attachments },
      },
    });

  it("takes an account's own media id or a public HTTPS URL, stored in channel_options", async () => {
    const byId = await send(telegram, [{ media_id: image }]);
    expect(byId.status).toBe(201);
    expect(byId.body.channel_options).toEqual({ attachments: [{ media_id: image }] });
    const byUrl = await send(telegram, [{ url: "https://93.184.215.14/a.png" }]);
    expect(byUrl.status).toBe(201);
  });

  it("refuses a foreign media id, a private URL, one over the channel's limit, and media on SMPP", async () => {
    const foreign = await send(telegram, [{ media_id: randomUUID() }]);
    expect(foreign).toMatchObject({ status: 400, body: { code: "invalid_reference" } });
    const local = await send(telegram, [{ url: "https://127.0.0.1/x.png" }]);
    expect(local).toMatchObject({ status: 400, body: { code: "attachment_url_forbidden" } });
    // Telegram photos: 10 MB.
    const big = await send(telegram, [{ media_id: bigImage }]);
    expect(big).toMatchObject({ status: 413, body: { code: "media_too_large" } });
    // A Telegram album takes up to 10.
    const eleven = await send(
      telegram,
      Array.from({ length: 11 }, () => ({ media_id: image })),
    );
    expect(eleven).toMatchObject({ status: 400, body: { code: "validation_error" } });
    const onSmpp = await send(smpp, [{ media_id: image }], "+251911234567");
    expect(onSmpp).toMatchObject({
      status: 400,
      body: { code: "validation_error", field: "channel_options.attachments" },
    });
    const http = await send(telegram, [{ url: "http://example.com/a.png" }]);
    expect(http).toMatchObject({ status: 400, body: { code: "validation_error" } });
  });

  it("re-checks attachments changed by PATCH on group and scheduled messages, as on create", async () => {
    const group = await api.call("POST", "/v1/contact-groups", { body: { name: `g-${randomUUID()}` } });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const draft = await api.call("POST", "/v1/group-messages", {
      body: {
        channel_id: telegram,
        message_body: "caption",
        contact_group_ids: [group.body.id],
        channel_options: { attachments: [{ media_id: image }] },
      },
    });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const schedule = await api.call("POST", "/v1/scheduled-messages", {
      body: {
        channel_id: telegram,
        send_type: "single",
        message_body: "caption",
        delivery_address: "12345",
        scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
        channel_options: { attachments: [{ media_id: image }] },
      },
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const paths = [`/v1/group-messages/${draft.body.id}`, `/v1/scheduled-messages/${schedule.body.id}`];
    for (const path of paths) {
      const patch = (attachments: unknown[]) => api.call("PATCH", path, { body: { channel_options: { attachments } } });
      expect(await patch([{ media_id: randomUUID() }]), path).toMatchObject({
        status: 400,
        body: { code: "invalid_reference", field: "channel_options.attachments.0.media_id" },
      });
      expect(await patch([{ url: "https://127.0.0.1/x.png" }]), path).toMatchObject({
        status: 400,
        body: { code: "attachment_url_forbidden" },
      });
      expect(await patch([{ media_id: bigImage }]), path).toMatchObject({
        status: 413,
        body: { code: "media_too_large" },
      });
      // Nothing of the refused patches was stored; a valid change is.
      expect((await api.call("GET", path)).body.channel_options).toEqual({ attachments: [{ media_id: image }] });
      const ok = await patch([{ url: "https://93.184.215.14/b.png" }]);
      expect(ok.status, path).toBe(200);
      expect(ok.body.channel_options).toEqual({ attachments: [{ url: "https://93.184.215.14/b.png" }] });
    }
  });

  it("takes media on SMPP once the channel's media_fallback is link", async () => {
    const before = await api.call("GET", `/v1/channels/${smpp}`);
    expect(before.body.media_fallback).toBe("refuse");
    const patched = await api.call("PATCH", `/v1/channels/${smpp}`, { body: { media_fallback: "link" } });
    expect(patched).toMatchObject({ status: 200, body: { media_fallback: "link" } });
    const onSmpp = await send(smpp, [{ media_id: image }], "+251911234567");
    expect(onSmpp.status).toBe(201);
    expect(onSmpp.body.channel_options).toEqual({ attachments: [{ media_id: image }] });
    await api.call("PATCH", `/v1/channels/${smpp}`, { body: { media_fallback: "refuse" } });
  });

  it("serves a stored object through a valid signed link only", async () => {
    const token = signMediaLink(key, image, new Date(Date.now() + 60_000));
    const ok = await fetch(`${api.url}/media-links/${token}`);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(2000);
    const expired = signMediaLink(key, image, new Date(Date.now() - 1_000));
    expect((await fetch(`${api.url}/media-links/${expired}`)).status).toBe(404);
    const forged = signMediaLink(mediaLinkKey("k1:other"), image, new Date(Date.now() + 60_000));
    expect((await fetch(`${api.url}/media-links/${forged}`)).status).toBe(404);
  });
});
