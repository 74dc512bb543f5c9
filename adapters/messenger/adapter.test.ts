import { describe, expect, it } from "vitest";
import {
  MockProvider,
  basePayload,
  describeSecretHygiene,
  describeSendCases,
  fixture,
  fixtureJson,
  jsonWebhook,
  payload,
  webhookRequest,
  type SendSuite,
} from "../testkit/index.js";
import { MessengerAdapter } from "./adapter.js";
import { MESSENGER_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://graph.facebook.com";
const credentials = {
  page_access_token: "EAAJZBpageAccessTokenSecret+/=value",
  page_id: "109876543210987",
  app_secret: "ms-app-secret-93ab21",
  verify_token: "ms-verify-token-5521",
};
const f = (name: string) => fixtureJson(import.meta.url, name);

const suite: SendSuite = {
  adapter: (opts) => new MessengerAdapter(opts),
  origin: ORIGIN,
  method: "POST",
  path: (p) => p.startsWith("/v18.0/me/messages?"),
  basePayload: basePayload({
    channelType: "messenger",
    credentials,
    deliveryAddress: "6723591847361234",
    messageBody: "Yes, 9 to 12.",
  }),
  cases: [
    {
      name: "sent with the page token as query parameter",
      reply: { status: 200, body: f("send-ok.json") },
      ok: {
        providerMessageId: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
        metadata: { recipientId: "6723591847361234" },
      },
      request: (req) => {
        expect(new URL(req.path, ORIGIN).searchParams.get("access_token")).toBe(credentials.page_access_token);
        expect(JSON.parse(req.body)).toEqual({
          recipient: { id: "6723591847361234" },
          messaging_type: "RESPONSE",
          message: { text: "Yes, 9 to 12." },
        });
      },
    },
    {
      name: "message tag outside the window",
      payload: { metadata: { messaging_type: "MESSAGE_TAG", tag: "CONFIRMED_EVENT_UPDATE" } },
      reply: { status: 200, body: f("send-ok.json") },
      ok: {
        providerMessageId: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
      },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({ messaging_type: "MESSAGE_TAG", tag: "CONFIRMED_EVENT_UPDATE" }),
    },
    {
      name: "message tag from the channel options",
      payload: { options: { messaging_type: "MESSAGE_TAG", tag: "ACCOUNT_UPDATE" } },
      reply: { status: 200, body: f("send-ok.json") },
      ok: {
        providerMessageId: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
      },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({ messaging_type: "MESSAGE_TAG", tag: "ACCOUNT_UPDATE" }),
    },
    {
      name: "613 rate limit → throttled",
      reply: { status: 400, body: f("error-613-rate.json") },
      error: { kind: "throttled", code: "provider_throttled", providerCode: "613" },
    },
    {
      name: "HTTP 429 → throttled",
      reply: { status: 429, body: f("error-613-rate.json"), headers: { "retry-after": "30" } },
      error: { kind: "throttled", retryAfterMs: 30000, code: "provider_throttled" },
    },
    {
      name: "551 person unavailable → permanent",
      reply: { status: 400, body: f("error-551-unavailable.json") },
      error: { kind: "permanent", code: "recipient_unavailable", providerCode: "551" },
    },
    {
      name: "10/2018278 outside window → permanent",
      reply: { status: 400, body: f("error-10-window.json") },
      error: { kind: "permanent", code: "outside_care_window" },
    },
    {
      name: "190 invalid token → permanent auth",
      reply: { status: 400, body: f("error-190-token.json") },
      error: { kind: "permanent", code: "provider_auth_failed" },
    },
    {
      name: "2 transient → retryable",
      reply: { status: 500, body: f("error-2-temporary.json") },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "network error → retryable",
      reply: { networkError: "ECONNREFUSED" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
    {
      name: "unknown messaging_type refused",
      payload: { metadata: { messaging_type: "BROADCAST" } },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "invalid_messaging_type" },
    },
  ],
};

describeSendCases("messenger send", suite);
describeSecretHygiene("messenger secrets", suite, MESSENGER_SECRET_FIELDS);

describe("messenger webhooks", () => {
  it("delivery mids become delivered updates; read watermark becomes a recipient-wide read update", () => {
    const adapter = new MessengerAdapter();
    const req = jsonWebhook(fixture(import.meta.url, "webhook-delivery-read.json"));
    const updates = adapter.parseStatus(req);
    expect(updates).toEqual([
      expect.objectContaining({
        providerMessageId: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
        status: "delivered",
        recipient: "6723591847361234",
        watermark: "2024-11-22T10:10:50.000Z",
      }),
      expect.objectContaining({ providerMessageId: "m_second_message_id_0001", status: "delivered" }),
      expect.objectContaining({
        providerMessageId: null,
        status: "read",
        recipient: "6723591847361234",
        watermark: "2024-11-22T10:11:00.000Z",
      }),
    ]);
    expect(adapter.parseStatus(req)).toEqual([]);
    expect(adapter.parseInbound(req)).toEqual([]);
  });

  it("inbound text and attachment; echoes skipped", () => {
    const msgs = new MessengerAdapter().parseInbound(jsonWebhook(fixture(import.meta.url, "webhook-message.json")));
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatchObject({
      providerMessageId: "m_1457764197618:41d102a3e1ae206a38",
      from: "6723591847361234",
      to: "109876543210987",
      text: "Is the clinic open on Saturday?",
      contentType: "text",
    });
    expect(msgs[1]).toMatchObject({ contentType: "image", text: "[image]" });
    expect(msgs[1]!.metadata.media).toEqual([
      { ref: "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg", kind: "image", mimeType: null, filename: null },
    ]);
  });

  it("non-page objects are ignored", () => {
    expect(new MessengerAdapter().parseInbound(jsonWebhook({ object: "instagram", entry: [] }))).toEqual([]);
  });
});

describe("messenger signature and handshake", () => {
  // python3 -c "import hmac,hashlib;print(hmac.new(b'ms-app-secret-93ab21',open(F,'rb').read(),hashlib.sha256).hexdigest())"
  const vectors = {
    "webhook-message.json": "f9e8851e22755b8fa3dea65901551314d622c2296792e985df0cc4fa1e02b8a6",
    "webhook-delivery-read.json": "89559289dbc9fc56bbd91d41f307dd8561357a510f016ddfe9901c8977ef5275",
  };
  const adapter = new MessengerAdapter();
  it.each([
    ["message, correct", "webhook-message.json", vectors["webhook-message.json"], true],
    ["delivery, correct", "webhook-delivery-read.json", vectors["webhook-delivery-read.json"], true],
    ["uppercase hex accepted", "webhook-message.json", vectors["webhook-message.json"].toUpperCase(), true],
    ["swapped signatures", "webhook-message.json", vectors["webhook-delivery-read.json"], false],
    ["truncated", "webhook-message.json", vectors["webhook-message.json"].slice(0, 40), false],
  ] as const)("%s", (_n, file, hex, valid) => {
    const req = jsonWebhook(fixture(import.meta.url, file), { headers: { "X-Hub-Signature-256": `sha256=${hex}` } });
    expect(adapter.verifyWebhookSignature(req, credentials)).toBe(valid);
  });

  it("hub.challenge echoed only with our verify token", () => {
    const url = (token: string) =>
      `https://hooks.example.test/webhooks/messenger/c1?hub.mode=subscribe&hub.challenge=CHALLENGE_ACCEPTED&hub.verify_token=${token}`;
    expect(
      adapter.answerVerificationChallenge(
        webhookRequest({ method: "GET", url: url(credentials.verify_token), rawBody: "" }),
        credentials,
      ),
    ).toBe("CHALLENGE_ACCEPTED");
    expect(
      adapter.answerVerificationChallenge(
        webhookRequest({ method: "GET", url: url("nope"), rawBody: "" }),
        credentials,
      ),
    ).toBeNull();
  });

  it("verifyCredentials reads /me", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("GET", (p) => p.startsWith("/v18.0/me?"), {
      status: 200,
      body: { id: credentials.page_id, name: "Clinic" },
    });
    await expect(new MessengerAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials)).resolves.toEqual({
      valid: true,
    });
    await provider.close();
  });

  it("markRead shows the customer their messages seen: sender action mark_seen to the PSID", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", (p) => p.startsWith("/v18.0/me/messages?"), {
      status: 200,
      body: { recipient_id: "psid-9" },
    });
    await new MessengerAdapter({ dispatcher: provider.agent }).markRead(credentials, {
      from: "psid-9",
      providerMessageId: "m_in_1",
    });
    expect(JSON.parse(provider.requests[0]!.body)).toEqual({ recipient: { id: "psid-9" }, sender_action: "mark_seen" });
    provider.reply("POST", (p) => p.startsWith("/v18.0/me/messages?"), {
      status: 400,
      body: { error: { code: 100, message: "(#100) No matching user found" } },
    });
    await expect(
      new MessengerAdapter({ dispatcher: provider.agent }).markRead(credentials, { from: "x", providerMessageId: "m" }),
    ).rejects.toMatchObject({ kind: "permanent" });
    await provider.close();
  });
});

describe("messenger media", () => {
  it("sends the text, then the attachment by URL; the attachment's id is the message's", async () => {
    const provider = new MockProvider(ORIGIN);
    const onMessages = (p: string) => p.startsWith("/v18.0/me/messages?");
    provider.reply("POST", onMessages, {
      status: 200,
      body: { recipient_id: "6723591847361234", message_id: "m_text" },
    });
    provider.reply("POST", onMessages, {
      status: 200,
      body: { recipient_id: "6723591847361234", message_id: "m_file" },
    });
    const adapter = new MessengerAdapter({ dispatcher: provider.agent });
    const result = await adapter.send(
      payload(suite.basePayload, {
        attachments: [
          {
            url: "https://api.example.com/media-links/t",
            kind: "document",
            contentType: null,
            filename: null,
            sizeBytes: null,
          },
        ],
      }),
    );
    expect(result).toMatchObject({ providerMessageId: "m_file", metadata: { textMessageId: "m_text" } });
    const [text, file] = provider.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(text!.message).toEqual({ text: suite.basePayload.messageBody });
    expect(file!.message).toEqual({
      attachment: { type: "file", payload: { url: "https://api.example.com/media-links/t", is_reusable: true } },
    });
    expect(result.mediaRef).toBeUndefined();
    await provider.close();
  });

  it("answers the attachment_id of a file sent by URL, and sends by attachment_id once it has one", async () => {
    const provider = new MockProvider(ORIGIN);
    const onMessages = (p: string) => p.startsWith("/v18.0/me/messages?");
    provider.reply("POST", onMessages, {
      status: 200,
      body: { recipient_id: "6723591847361234", message_id: "m_img1", attachment_id: "1857777774821032" },
    });
    provider.reply("POST", onMessages, {
      status: 200,
      body: { recipient_id: "6723591847361234", message_id: "m_img2" },
    });
    const adapter = new MessengerAdapter({ dispatcher: provider.agent });
    const image = {
      url: "https://api.example.com/media-links/i",
      kind: "image" as const,
      contentType: null,
      filename: null,
      sizeBytes: null,
    };
    const first = await adapter.send(payload(suite.basePayload, { messageBody: "", attachments: [image] }));
    expect(first.mediaRef).toBe("1857777774821032");
    const again = await adapter.send(
      payload(suite.basePayload, { messageBody: "", attachments: [{ ...image, providerRef: "1857777774821032" }] }),
    );
    expect(again).toMatchObject({ providerMessageId: "m_img2" });
    expect(again.mediaRef).toBeUndefined();
    const [byUrl, byId] = provider.requests.map((r) => JSON.parse(r.body) as { message: unknown });
    expect(byUrl!.message).toEqual({
      attachment: { type: "image", payload: { url: image.url, is_reusable: true } },
    });
    expect(byId!.message).toEqual({ attachment: { type: "image", payload: { attachment_id: "1857777774821032" } } });
    await provider.close();
  });
});

describe("Messenger inbound media", () => {
  it("downloads the attachment's CDN URL with nothing of the page's credentials", async () => {
    const url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg?_nc_sig=abc";
    const loc = await new MessengerAdapter().locateInboundMedia(url, credentials);
    expect(loc).toEqual({ url, headers: {}, secrets: [] });
  });
});
