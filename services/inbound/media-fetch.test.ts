import { createHash, randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { MemoryMediaStore, mediaChunkKey } from "../../core/media/store.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { InboundEvent } from "../../core/webhooks/events.js";
import { createAdapterRegistry } from "../../adapters/registry.js";
import { downloadMedia } from "../../adapters/contract/media-download.js";
import { STRICT_OUTBOUND } from "../../adapters/contract/outbound-address.js";
import { MockProvider } from "../../adapters/testkit/index.js";
import type { Database } from "../../db/client.js";
import { findMedia } from "../../db/media/media-rows.js";
import { channelCredentialsAad, SecretBox } from "../../db/secret-box.js";
import { insertChannel, openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { createInboundConsumer } from "./consumer.js";
import { createInboundMediaFetcher, inboundMediaId } from "./media-fetch.js";

const log = createLogger("test", { level: "silent" });
const box = SecretBox.fromKeyRing(`t1:${Buffer.alloc(32, 7).toString("base64")}`);
const WA_TOKEN = "EAAG-whatsapp-token-1234";
const TG_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const GRAPH = "https://graph.facebook.com";
const LOOKASIDE = "https://lookaside.fbsbx.com";
const TELEGRAM = "https://api.telegram.org";
// The smallest bytes file-type recognises as PNG and JPEG, and bytes it does not recognise at all.
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(64, 1)]);
const JPEG = Buffer.concat([Buffer.from("ffd8ffe000104a464946", "hex"), Buffer.alloc(64, 2)]);
const UNKNOWN = Buffer.from([0, 1, 2, 3, 0xfe, 0xff, 0, 0, 9, 9, 9]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
// Every host name is public here; an address literal is itself, as the system resolver answers.
const lookup = (host: string) =>
  Promise.resolve(isIP(host) ? { address: host, family: isIP(host) } : { address: "157.240.1.1", family: 4 });

let db: Database;
let mock: MockProvider;
let store: MemoryMediaStore;
const accountA = randomUUID();
const accountB = randomUUID();
let whatsapp: string;
let telegram: string;

async function channelWith(channelType: ChannelType, credentials: Record<string, unknown>): Promise<string> {
  const id = await insertChannel(db, accountA, { channelType, provider: "default" });
  const sealed = box.sealJson(credentials, channelCredentialsAad(id));
  await db.withSession((s) =>
    s.query(`UPDATE channels SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1`, [
      id,
      sealed.ciphertext,
      sealed.keyId,
    ]),
  );
  return id;
}

function event(
  channelId: string,
  channelType: ChannelType,
  ref: string,
  kind: "image" | "document" = "image",
): InboundEvent {
  const at = new Date().toISOString();
  return {
    eventId: randomUUID(),
    channelId,
    channelType,
    provider: "default",
    receivedAt: at,
    message: {
      providerMessageId: `in-${randomUUID()}`,
      from: channelType === "whatsapp" ? "+251911000001" : "777",
      to: null,
      contentType: kind === "image" ? "image" : "document",
      text: "[image]",
      receivedAt: at,
      metadata: { media: [{ ref, kind, mimeType: "image/png", filename: null }] },
    },
  };
}

function fetcher() {
  const adapters = createAdapterRegistry({ dispatcher: mock.agent });
  return createInboundMediaFetcher({
    db,
    box,
    store,
    locate: (type, provider) => {
      const adapter = adapters.get(type, provider);
      return adapter.locateInboundMedia?.bind(adapter);
    },
    download: (location) =>
      downloadMedia(location, {
        policy: STRICT_OUTBOUND,
        maxBytes: 1_000_000,
        timeoutMs: 5000,
        dispatcher: mock.agent,
        lookup,
      }),
    maxBytes: 1_000_000,
    retentionMs: 86_400_000,
    log,
  });
}

/** Stores the message as the inbound consumer does, then fetches its media. */
async function receive(e: InboundEvent) {
  expect(await createInboundConsumer({ db, log }).handle(e)).toBe("stored");
  return fetcher().fetchFor(e);
}

async function storedMedia(e: InboundEvent): Promise<Record<string, unknown>[]> {
  const { rows } = await db.withSession((s) =>
    s.query<{ metadata: { media: Record<string, unknown>[] } }>(
      `SELECT metadata FROM messages WHERE direction = 'inbound' AND provider_message_id = $1`,
      [e.message.providerMessageId],
    ),
  );
  return rows[0]!.metadata.media;
}

beforeAll(async () => {
  db = await openMigratedEmbedded();
  whatsapp = await channelWith("whatsapp", {
    access_token: WA_TOKEN,
    phone_number_id: "1234567890",
    app_secret: "app-secret-1",
    verify_token: "verify-token-1",
  });
  telegram = await channelWith("telegram", { bot_token: TG_TOKEN });
}, 60_000);
afterAll(() => db?.close());
beforeEach(() => {
  mock = new MockProvider(GRAPH);
  store = new MemoryMediaStore();
});
afterEach(() => mock.close());

describe("inbound media fetch", () => {
  it("WhatsApp: the media id becomes a URL, the bytes a media row of the channel's account, the id is on the message", async () => {
    const e = event(whatsapp, "whatsapp", "wamid-media-1");
    mock.reply("GET", "/v18.0/wamid-media-1", { status: 200, body: { url: `${LOOKASIDE}/att?mid=1` } });
    mock.serveBytes("/att?mid=1", PNG, { origin: LOOKASIDE });

    const [outcome] = await receive(e);

    const id = inboundMediaId(whatsapp, e.message.providerMessageId, 0);
    expect(outcome).toEqual({ media_id: id });
    expect(mock.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${WA_TOKEN}`, `Bearer ${WA_TOKEN}`]);
    const row = await findMedia(db.orm, [accountA], id, new Date());
    expect(row).toMatchObject({ contentType: "image/png", sizeBytes: PNG.length, sha256: sha(PNG), source: "inbound" });
    expect(store.objects.get(mediaChunkKey(accountA, id, 0))).toEqual(PNG);
    expect(await findMedia(db.orm, [accountB], id, new Date())).toBeUndefined();
    expect(await storedMedia(e)).toEqual([expect.objectContaining({ ref: "wamid-media-1", media_id: id })]);
  });

  it("a redelivered event finds the object stored and asks the provider nothing", async () => {
    const e = event(whatsapp, "whatsapp", "wamid-media-2");
    mock.reply("GET", "/v18.0/wamid-media-2", { status: 200, body: { url: `${LOOKASIDE}/att?mid=2` } });
    mock.serveBytes("/att?mid=2", PNG, { origin: LOOKASIDE });
    const first = await receive(e);
    const asked = mock.requests.length;
    expect(await fetcher().fetchFor(e)).toEqual(first);
    expect(mock.requests).toHaveLength(asked);
  });

  it("Telegram: getFile's file_path is downloaded from the bot's file URL", async () => {
    const e = event(telegram, "telegram", "AgACAgQAAx-file-id");
    mock.agent
      .get(TELEGRAM)
      .intercept({ method: "POST", path: `/bot${TG_TOKEN}/getFile` })
      .reply(200, { ok: true, result: { file_id: "AgACAgQAAx-file-id", file_path: "photos/file_7.jpg" } });
    mock.serveBytes(`/file/bot${TG_TOKEN}/photos/file_7.jpg`, JPEG, { origin: TELEGRAM });

    const [outcome] = await receive(e);

    const id = inboundMediaId(telegram, e.message.providerMessageId, 0);
    expect(outcome).toEqual({ media_id: id });
    expect(await findMedia(db.orm, [accountA], id, new Date())).toMatchObject({
      contentType: "image/jpeg",
      sha256: sha(JPEG),
    });
  });

  it("bytes of a type not on the allow-list are recorded as refused, and nothing is stored", async () => {
    const e = event(whatsapp, "whatsapp", "wamid-media-3");
    mock.reply("GET", "/v18.0/wamid-media-3", { status: 200, body: { url: `${LOOKASIDE}/att?mid=3` } });
    mock.serveBytes("/att?mid=3", UNKNOWN, { origin: LOOKASIDE });

    expect(await receive(e)).toEqual([{ error: "media_type_not_allowed" }]);
    expect(store.objects.size).toBe(0);
    expect(await storedMedia(e)).toEqual([expect.objectContaining({ error: "media_type_not_allowed" })]);
  });

  it("a failure a retry may mend throws (the broker redelivers) and records nothing", async () => {
    const e = event(whatsapp, "whatsapp", "wamid-media-4");
    mock.reply("GET", "/v18.0/wamid-media-4", { status: 200, body: { url: `${LOOKASIDE}/att?mid=4` } });
    mock.serveBytes("/att?mid=4", Buffer.alloc(0), { origin: LOOKASIDE, status: 503 });

    await expect(receive(e)).rejects.toMatchObject({ kind: "retryable" });
    expect(await storedMedia(e)).toEqual([expect.not.objectContaining({ media_id: expect.anything() })]);
    expect(store.objects.size).toBe(0);
  });

  it("a media URL on a private address is refused for good", async () => {
    const e = event(whatsapp, "whatsapp", "wamid-media-5");
    mock.reply("GET", "/v18.0/wamid-media-5", { status: 200, body: { url: "http://169.254.169.254/latest" } });

    expect(await receive(e)).toEqual([{ error: "destination_forbidden" }]);
  });

  it("entries that arrive kept (an inbound e-mail's parts) are recorded as they are, and nothing is fetched", async () => {
    const email = await channelWith("email", { smtp_host: "smtp.example.org", from_email: "s@tenant.example" });
    const e = event(email, "email", "cid:logo@x");
    const kept = inboundMediaId(email, e.message.providerMessageId, 0);
    e.message.metadata.media = [
      { ref: "cid:logo@x", kind: "image", mimeType: "image/png", filename: "logo.png", media_id: kept },
      {
        ref: "part:2",
        kind: "document",
        mimeType: "application/x-msdownload",
        filename: null,
        error: "media_type_not_allowed",
      },
    ];

    expect(await receive(e)).toEqual([{ media_id: kept }, { error: "media_type_not_allowed" }]);
    expect(mock.requests).toEqual([]);
    expect(await storedMedia(e)).toEqual([
      expect.objectContaining({ media_id: kept }),
      expect.objectContaining({ error: "media_type_not_allowed" }),
    ]);
  });
});
