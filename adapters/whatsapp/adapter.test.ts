import { describe, expect, it } from "vitest";
import {
  MockProvider,
  basePayload,
  describeSecretHygiene,
  describeSendCases,
  fixture,
  fixtureJson,
  jsonWebhook,
  webhookRequest,
  type SendSuite,
} from "../testkit/index.js";
import { WhatsAppAdapter } from "./adapter.js";
import { DispatchPayload } from "../contract/types.js";
import { WHATSAPP_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://graph.facebook.com";
const NOW = new Date("2024-11-22T12:00:00Z");
const credentials = {
  access_token: "EAAGm0PX4ZCpsBAsecretAccessTokenValue",
  phone_number_id: "106540352242922",
  app_secret: "wa-app-secret-4f1c9e",
  verify_token: "wa-verify-7781-token",
};
const f = (name: string) => fixtureJson(import.meta.url, name);
const TEXT_ID = "wamid.HBgMMjUxOTExMjM0NTY3FQIAERgSQzVGRjI1RDMxQzQ2RTQ4MDk5AA==";
const TEMPLATE_ID = "wamid.HBgMMjUxOTExMjM0NTY3FQIAERgSOUQ3RjYyMjBBQkQxQ0Q2NjhBAA==";
/** The customer wrote 11 hours before NOW: the care window is open. */
const withinWindow = "2024-11-22T01:00:00Z";
const orderUpdate = {
  name: "order_update",
  language: "en_US",
  components: [{ type: "body" as const, parameters: [{ type: "text" as const, text: "42" }] }],
};

const suite: SendSuite = {
  adapter: (opts) => new WhatsAppAdapter({ ...opts, now: () => NOW }),
  origin: ORIGIN,
  method: "POST",
  path: "/v18.0/106540352242922/messages",
  basePayload: basePayload({
    channelType: "whatsapp",
    credentials,
    deliveryAddress: "+251911234567",
    messageBody: "Ticket #42 is resolved",
    lastInboundAt: withinWindow,
  }),
  cases: [
    {
      name: "free-form text inside the 24h window",
      reply: { status: 200, body: f("send-ok.json") },
      ok: {
        providerMessageId: "wamid.HBgMMjUxOTExMjM0NTY3FQIAERgSQzVGRjI1RDMxQzQ2RTQ4MDk5AA==",
        metadata: { waId: "251911234567", kind: "text" },
      },
      request: (req) => {
        expect(req.headers.authorization).toBe(`Bearer ${credentials.access_token}`);
        expect(JSON.parse(req.body)).toEqual({
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: "251911234567",
          type: "text",
          text: { preview_url: false, body: "Ticket #42 is resolved" },
        });
      },
    },
    {
      name: "an image attachment goes by link with the text as its caption",
      payload: {
        attachments: [
          {
            url: "https://api.example.com/media-links/t1",
            kind: "image",
            contentType: "image/png",
            filename: null,
            sizeBytes: 10,
          },
        ],
      },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: TEXT_ID, metadata: { kind: "image" } },
      request: (req) =>
        expect(JSON.parse(req.body)).toEqual({
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: "251911234567",
          type: "image",
          image: { link: "https://api.example.com/media-links/t1", caption: "Ticket #42 is resolved" },
        }),
    },
    {
      name: "a document attachment carries its file name",
      payload: {
        attachments: [
          {
            url: "https://x.example/terms.pdf",
            kind: "document",
            contentType: null,
            filename: "terms.pdf",
            sizeBytes: null,
          },
        ],
      },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: TEXT_ID, metadata: { kind: "document" } },
      request: (req) =>
        expect(JSON.parse(req.body).document).toEqual({
          link: "https://x.example/terms.pdf",
          caption: "Ticket #42 is resolved",
          filename: "terms.pdf",
        }),
    },
    {
      name: "template outside the window is allowed",
      payload: { lastInboundAt: null, options: { template: orderUpdate } },
      reply: { status: 200, body: f("send-template-ok.json") },
      ok: {
        providerMessageId: "wamid.HBgMMjUxOTExMjM0NTY3FQIAERgSOUQ3RjYyMjBBQkQxQ0Q2NjhBAA==",
        metadata: { kind: "template" },
      },
      request: (req) => {
        const body = JSON.parse(req.body);
        expect(body.type).toBe("template");
        expect(body.template).toEqual({
          name: "order_update",
          language: { code: "en_US" },
          components: [{ type: "body", parameters: [{ type: "text", text: "42" }] }],
        });
      },
    },
    {
      name: "a template in metadata (as older clients sent it) still goes as a template",
      payload: { lastInboundAt: null, metadata: { template: { name: "hello_world", language: "en_US" } } },
      reply: { status: 200, body: f("send-template-ok.json") },
      ok: { providerMessageId: TEMPLATE_ID, metadata: { kind: "template" } },
      request: (req) =>
        expect(JSON.parse(req.body).template).toEqual({ name: "hello_world", language: { code: "en_US" } }),
    },
    {
      name: "free-form with no customer message is refused before sending",
      payload: { lastInboundAt: null },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "outside_care_window" },
    },
    {
      name: "free-form 25h after the last customer message is refused",
      payload: { lastInboundAt: "2024-11-21T11:00:00Z" },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "outside_care_window" },
    },
    {
      name: "a caller's metadata.last_inbound_at does not open the window",
      payload: { lastInboundAt: null, metadata: { last_inbound_at: "2024-11-22T11:00:00Z" } },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "outside_care_window" },
    },
    {
      name: "outside the window the template's mapping goes instead of the text",
      payload: { lastInboundAt: "2024-11-21T11:00:00Z", options: { outside_window_template: orderUpdate } },
      reply: { status: 200, body: f("send-template-ok.json") },
      ok: { providerMessageId: TEMPLATE_ID, metadata: { kind: "template" } },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({
          type: "template",
          template: { name: "order_update", language: { code: "en_US" }, components: orderUpdate.components },
        }),
    },
    {
      name: "inside the window the text goes even when a mapping is there",
      payload: { options: { outside_window_template: orderUpdate, preview_url: true } },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: TEXT_ID, metadata: { kind: "text" } },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({
          type: "text",
          text: { preview_url: true, body: "Ticket #42 is resolved" },
        }),
    },
    {
      name: "a reply quotes the customer's message (context.message_id)",
      payload: { replyTo: "wamid.INBOUND123" },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: TEXT_ID, metadata: { kind: "text" } },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({ context: { message_id: "wamid.INBOUND123" }, type: "text" }),
    },
    {
      name: "non-E.164 address refused before sending",
      payload: { deliveryAddress: "0911-234-567" },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "invalid_recipient" },
    },
    {
      name: "131056 pair rate limit → throttled",
      reply: { status: 400, body: f("error-131056-pair-rate.json") },
      error: { kind: "throttled", code: "provider_throttled", providerCode: "131056" },
    },
    {
      name: "130429 throughput with Retry-After → throttled",
      reply: { status: 429, body: f("error-130429-throughput.json"), headers: { "retry-after": "2" } },
      error: { kind: "throttled", providerCode: "130429", code: "provider_throttled", retryAfterMs: 2000 },
    },
    {
      name: "131047 re-engagement → permanent outside window",
      reply: { status: 400, body: f("error-131047-reengagement.json") },
      error: { kind: "permanent", code: "outside_care_window", providerCode: "131047" },
    },
    {
      name: "190 expired token → permanent auth",
      reply: { status: 401, body: f("error-190-token.json") },
      error: { kind: "permanent", code: "provider_auth_failed", providerCode: "190" },
    },
    {
      name: "131000 something went wrong → retryable",
      reply: { status: 500, body: f("error-131000-generic.json") },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "100 invalid parameter → permanent",
      reply: { status: 400, body: f("error-100-param.json") },
      error: { kind: "permanent", code: "provider_rejected", providerCode: "100" },
    },
    {
      name: "network error → retryable",
      reply: { networkError: "ETIMEDOUT" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
  ],
};

describeSendCases("whatsapp send", suite);
describeSecretHygiene("whatsapp secrets", suite, WHATSAPP_SECRET_FIELDS);

describe("whatsapp statuses", () => {
  it("maps sent/delivered/read/failed with error codes and opt-out", () => {
    const updates = new WhatsAppAdapter().parseStatus(jsonWebhook(fixture(import.meta.url, "webhook-statuses.json")));
    expect(updates.map((u) => u.status)).toEqual(["sent", "delivered", "read", "failed"]);
    expect(updates[0]).toMatchObject({
      recipient: "251911234567",
      occurredAt: "2024-11-22T10:10:00.000Z",
      metadata: { category: "service", billable: true },
    });
    expect(updates[3]).toMatchObject({
      providerMessageId: "wamid.HBgMMjUxOTExMjM0NTY3FQIAERgSOUQ3RjYyMjBBQkQxQ0Q2NjhBAA==",
      errorCode: "131050",
      optOut: true,
    });
  });

  it("131047 (more than 24 hours since the customer last replied) fails with the code a refusal before sending has", () => {
    const [update] = new WhatsAppAdapter().parseStatus(
      jsonWebhook(fixture(import.meta.url, "webhook-status-failed-131047.json")),
    );
    expect(update).toMatchObject({
      status: "failed",
      errorCode: "outside_care_window",
      optOut: false,
      metadata: { providerCode: "131047" },
    });
    expect(update!.errorMessage).toContain("more than 24 hours");
  });

  it("a duplicate notification produces one result", () => {
    const adapter = new WhatsAppAdapter();
    const req = jsonWebhook(fixture(import.meta.url, "webhook-statuses.json"));
    expect(adapter.parseStatus(req)).toHaveLength(4);
    expect(adapter.parseStatus(req)).toHaveLength(0);
  });

  it("non-message fields are ignored", () => {
    expect(
      new WhatsAppAdapter().parseStatus(jsonWebhook(fixture(import.meta.url, "webhook-account-update.json"))),
    ).toEqual([]);
    expect(
      new WhatsAppAdapter().parseInbound(jsonWebhook(fixture(import.meta.url, "webhook-account-update.json"))),
    ).toEqual([]);
  });
});

describe("whatsapp inbound", () => {
  it("text and image messages with sender profile", () => {
    const adapter = new WhatsAppAdapter();
    const req = jsonWebhook(fixture(import.meta.url, "webhook-inbound.json"));
    const msgs = adapter.parseInbound(req);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatchObject({
      from: "+251911234567",
      to: "15550783881",
      contentType: "text",
      text: "Selam! Ticket #42 status?",
      metadata: { profileName: "Almaz" },
    });
    expect(msgs[1]).toMatchObject({ contentType: "image", text: "[image] my receipt" });
    // The media id is kept for the fetch, not thrown away with the label.
    expect(msgs[1]!.metadata.media).toEqual([
      { ref: "1003383421387256", kind: "image", mimeType: "image/jpeg", filename: null },
    ]);
    expect(msgs[0]!.metadata.media).toBeUndefined();
    expect(adapter.parseStatus(req)).toEqual([]);
    expect(adapter.parseInbound(req)).toEqual([]); // redelivery
  });
});

describe("whatsapp X-Hub-Signature-256", () => {
  // Expected digests computed outside this code base:
  //   python3 -c "import hmac,hashlib;print(hmac.new(b'wa-app-secret-4f1c9e',open(F,'rb').read(),hashlib.sha256).hexdigest())"
  const vectors = [
    ["webhook-statuses.json", "b7e6aa02a54c88393eb577b398e98df2377d421dacff1ec0e558aa806f800868"],
    ["webhook-inbound.json", "37acd1de2a0aa769fccc750b6c664b19cece61ff61cd292ec9e5f369f77296b8"],
  ] as const;
  const adapter = new WhatsAppAdapter();
  it.each(vectors)("valid signature over %s", (file, hex) => {
    const req = jsonWebhook(fixture(import.meta.url, file), { headers: { "X-Hub-Signature-256": `sha256=${hex}` } });
    expect(adapter.verifyWebhookSignature(req, credentials)).toBe(true);
  });
  it.each([
    ["body changed by one byte", (body: string) => body.replace("Almaz", "Almaz "), `sha256=${vectors[1][1]}`],
    ["signature of another body", (body: string) => body, `sha256=${vectors[0][1]}`],
    ["missing sha256= prefix", (body: string) => body, vectors[1][1]],
    ["no header", (body: string) => body, undefined],
  ] as const)("rejects: %s", (_n, mutate, sig) => {
    const body = mutate(fixture(import.meta.url, "webhook-inbound.json"));
    const req = jsonWebhook(body, { headers: sig ? { "x-hub-signature-256": sig } : {} });
    expect(adapter.verifyWebhookSignature(req, credentials)).toBe(false);
  });
  it("rejects with the wrong app secret", () => {
    const req = jsonWebhook(fixture(import.meta.url, "webhook-inbound.json"), {
      headers: { "x-hub-signature-256": `sha256=${vectors[1][1]}` },
    });
    expect(adapter.verifyWebhookSignature(req, { ...credentials, app_secret: "another-app-secret" })).toBe(false);
  });
});

describe("whatsapp hub.challenge handshake", () => {
  const adapter = new WhatsAppAdapter();
  const get = (query: string) =>
    webhookRequest({ method: "GET", url: `https://hooks.example.test/webhooks/whatsapp/c1?${query}`, rawBody: "" });
  it.each([
    [
      "matching token echoes the challenge",
      "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wa-verify-7781-token",
      "1158201444",
    ],
    ["wrong token refused", "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess", null],
    ["wrong mode refused", "hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=wa-verify-7781-token", null],
  ] as const)("%s", (_n, query, expected) => {
    expect(adapter.answerVerificationChallenge(get(query), credentials)).toBe(expected);
  });
});

describe("whatsapp verifyCredentials", () => {
  it.each([
    [
      "valid",
      { status: 200, body: { id: "106540352242922", display_phone_number: "+1 555-078-3881" } },
      { valid: true },
    ],
    [
      "expired token",
      { status: 401, body: f("error-190-token.json") },
      {
        valid: false,
        code: "provider_auth_failed",
        reason: "Error validating access token: Session has expired on Friday, 22-Nov-24 10:00:00 PST.",
      },
    ],
  ] as const)("%s", async (_n, reply, expected) => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("GET", (p) => p.startsWith("/v18.0/106540352242922?"), reply);
    await expect(new WhatsAppAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials)).resolves.toEqual(
      expected,
    );
    await provider.close();
  });

  it("markRead marks the customer's message read by its id", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", "/v18.0/106540352242922/messages", { status: 200, body: { success: true } });
    await new WhatsAppAdapter({ dispatcher: provider.agent }).markRead(credentials, {
      from: "+251911234567",
      providerMessageId: TEXT_ID,
    });
    expect(provider.requests[0]!.headers.authorization).toBe(`Bearer ${credentials.access_token}`);
    expect(JSON.parse(provider.requests[0]!.body)).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: TEXT_ID,
    });
    provider.reply("POST", "/v18.0/106540352242922/messages", {
      status: 500,
      body: { error: { code: 131000, message: "(#131000) Something went wrong" } },
    });
    await expect(
      new WhatsAppAdapter({ dispatcher: provider.agent }).markRead(credentials, { from: "+1", providerMessageId: "x" }),
    ).rejects.toMatchObject({ kind: "retryable" });
    await provider.close();
  });
});

describe("whatsapp media upload and send by media id", () => {
  it("uploads the bytes as multipart to the phone number's media endpoint and answers the media id", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", "/v18.0/106540352242922/media", { status: 200, body: { id: "1037543291543636" } });
    const adapter = new WhatsAppAdapter({ dispatcher: provider.agent });
    expect(adapter.mediaReuse).toEqual({ by: "upload", lifetimeMs: 30 * 86_400_000 });
    const ref = await adapter.uploadMedia(credentials, {
      bytes: Buffer.from("PNG-BYTES-0123456789"),
      contentType: "image/png",
      filename: "promo.png",
    });
    expect(ref).toBe("1037543291543636");
    const req = provider.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${credentials.access_token}`);
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(req.headers["content-type"]!)?.[1];
    expect(boundary).toBeDefined();
    expect(req.body).toContain(`name="messaging_product"\r\n\r\nwhatsapp\r\n`);
    expect(req.body).toContain(`name="type"\r\n\r\nimage/png\r\n`);
    expect(req.body).toContain(
      `name="file"; filename="promo.png"\r\nContent-Type: image/png\r\n\r\nPNG-BYTES-0123456789\r\n--${boundary}--`,
    );
    await provider.close();
  });

  it("an upload Meta refuses is classified like a send", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", "/v18.0/106540352242922/media", { status: 401, body: f("error-190-token.json") });
    await expect(
      new WhatsAppAdapter({ dispatcher: provider.agent }).uploadMedia(credentials, {
        bytes: Buffer.from("x"),
        contentType: "image/png",
        filename: null,
      }),
    ).rejects.toMatchObject({ kind: "permanent", code: "provider_auth_failed" });
    await provider.close();
  });

  it("an attachment with the provider's reference goes by id, not by link", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", "/v18.0/106540352242922/messages", { status: 200, body: f("send-ok.json") });
    await new WhatsAppAdapter({ dispatcher: provider.agent, now: () => NOW }).send(
      DispatchPayload.parse(
        basePayload({
          channelType: "whatsapp",
          credentials,
          deliveryAddress: "+251911234567",
          messageBody: "Our new menu",
          lastInboundAt: withinWindow,
          attachments: [
            {
              url: "https://api.example.com/media-links/t1",
              kind: "image",
              contentType: "image/png",
              filename: null,
              sizeBytes: 10,
              mediaId: "0b6c5a8e-57f4-4c39-9d1c-b1f0a3f2b7d1",
              providerRef: "1037543291543636",
            },
          ],
        }),
      ),
    );
    expect(JSON.parse(provider.requests[0]!.body).image).toEqual({ id: "1037543291543636", caption: "Our new menu" });
    await provider.close();
  });
});
