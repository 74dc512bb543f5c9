import { describe, expect, it } from "vitest";
import {
  MockProvider,
  basePayload,
  describeSecretHygiene,
  describeSendCases,
  fixture,
  fixtureJson,
  formWebhook,
  webhookRequest,
  type SendSuite,
} from "../testkit/index.js";
import { TwilioAdapter } from "./adapter.js";
import { TWILIO_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://api.twilio.com";
const credentials = {
  account_sid: "AC3f2b9e8d7c6a5b4f3e2d1c0b9a8f7e6d",
  auth_token: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
  from: "+15017122661",
  status_callback_url: "https://hooks.example.test/webhooks/sms/0b8e1c2a?provider=twilio",
};
const f = (name: string) => fixtureJson(import.meta.url, name);
const form = (name: string) => fixture(import.meta.url, name).trim();

const suite: SendSuite = {
  adapter: (opts) => new TwilioAdapter(opts),
  origin: ORIGIN,
  method: "POST",
  path: `/2010-04-01/Accounts/${credentials.account_sid}/Messages.json`,
  basePayload: basePayload({
    channelType: "sms",
    credentials,
    deliveryAddress: "+251911234567",
    messageBody: "Your code is 481516",
  }),
  cases: [
    {
      name: "form-encoded send with Basic auth",
      reply: { status: 201, body: f("send-ok.json") },
      ok: {
        providerMessageId: "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0",
        metadata: { providerStatus: "queued", segments: 1, encoding: "gsm7" },
      },
      request: (req) => {
        expect(req.headers.authorization).toBe(
          "Basic " + Buffer.from(`${credentials.account_sid}:${credentials.auth_token}`).toString("base64"),
        );
        expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
        expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
          To: "+251911234567",
          From: "+15017122661",
          Body: "Your code is 481516",
          StatusCallback: credentials.status_callback_url,
        });
      },
    },
    {
      name: "MMS: one MediaUrl per attachment, beside the text",
      payload: {
        attachments: [
          {
            url: "https://api.example.com/media-links/a",
            kind: "image",
            contentType: "image/png",
            filename: null,
            sizeBytes: 1,
          },
          {
            url: "https://api.example.com/media-links/b",
            kind: "document",
            contentType: null,
            filename: null,
            sizeBytes: 1,
          },
        ],
      },
      reply: { status: 201, body: f("send-ok.json") },
      ok: { providerMessageId: "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0" },
      request: (req) => {
        const form = new URLSearchParams(req.body);
        expect(form.getAll("MediaUrl")).toEqual([
          "https://api.example.com/media-links/a",
          "https://api.example.com/media-links/b",
        ]);
        expect(form.get("Body")).toBe("Your code is 481516");
      },
    },
    {
      name: "21610 unsubscribed → permanent opt-out",
      reply: { status: 400, body: f("error-21610.json") },
      error: { kind: "permanent", code: "recipient_opted_out", providerCode: "21610", optOut: true },
    },
    {
      name: "21211 invalid number → permanent",
      reply: { status: 400, body: f("error-21211.json") },
      error: { kind: "permanent", code: "invalid_recipient", providerCode: "21211" },
    },
    {
      name: "20429 → throttled with Retry-After",
      reply: { status: 429, body: f("error-20429.json"), headers: { "retry-after": "1" } },
      error: { kind: "throttled", code: "provider_throttled", retryAfterMs: 1000 },
    },
    {
      name: "20003 → permanent auth failure",
      reply: { status: 401, body: f("error-20003.json") },
      error: { kind: "permanent", code: "provider_auth_failed" },
    },
    {
      name: "500 → retryable",
      reply: { status: 500, body: f("error-500.json") },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "HTML 503 from a proxy → retryable",
      reply: { status: 503, body: "<html>Service Unavailable</html>" },
      error: { kind: "retryable", code: "provider_unavailable", providerCode: null },
    },
    {
      name: "network error → retryable",
      reply: { networkError: "ECONNRESET" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
    {
      name: "credentials without a sender refused",
      payload: { credentials: { from: undefined } },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "invalid_credentials" },
    },
  ],
};

describeSendCases("twilio send", suite);
describeSecretHygiene("twilio secrets", suite, TWILIO_SECRET_FIELDS);

describe("twilio status callbacks", () => {
  const adapter = new TwilioAdapter();
  it.each([
    [
      "delivered",
      "status-delivered.form",
      {
        providerMessageId: "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0",
        status: "delivered",
        errorCode: null,
        optOut: false,
        recipient: "+251911234567",
      },
    ],
    [
      "undelivered 21610 is an opt-out",
      "status-undelivered-21610.form",
      { status: "failed", errorCode: "21610", optOut: true },
    ],
    [
      "failed 30007 carrier filtered",
      "status-failed-30007.form",
      { status: "failed", errorCode: "30007", optOut: false },
    ],
  ] as const)("%s", (_n, file, expected) => {
    const updates = adapter.parseStatus(webhookRequest({ rawBody: form(file) }));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject(expected);
  });

  it.each([
    ["queued", "queued"],
    ["sending", "queued"],
    ["sent", "sent"],
    ["read", "read"],
    ["canceled", "failed"],
  ])("MessageStatus %s → %s", (raw, expected) => {
    const [u] = adapter.parseStatus(
      formWebhook({ MessageSid: "SM00000000000000000000000000000001", MessageStatus: raw }),
    );
    expect(u?.status).toBe(expected);
  });

  // Inbound: MessageSid + From + (Body or NumMedia), whatever status field it has or lacks. Status:
  // MessageStatus/SmsStatus with a status of a message we sent (received is not one).
  const sid = "SM00000000000000000000000000000002";
  it.each([
    ["Twilio's documented inbound form (no SmsStatus)", form("inbound-sms-no-status.form"), 1, 0],
    ["inbound MMS without a Body", form("inbound-mms-no-body.form"), 1, 0],
    ["inbound with SmsStatus=received", form("inbound-sms.form"), 1, 0],
    [
      "inbound with MessageStatus=received",
      new URLSearchParams({ MessageSid: sid, From: "+254712345678", Body: "hi", MessageStatus: "received" }).toString(),
      1,
      0,
    ],
    [
      "inbound with an empty Body",
      new URLSearchParams({ MessageSid: sid, From: "+254712345678", Body: "" }).toString(),
      1,
      0,
    ],
    ["status callback (delivered)", form("status-delivered.form"), 0, 1],
    ["status callback (undelivered)", form("status-undelivered-21610.form"), 0, 1],
    [
      "status callback of a sent message that quotes its Body",
      new URLSearchParams({ MessageSid: sid, From: "+15017122661", Body: "hi", MessageStatus: "sent" }).toString(),
      0,
      1,
    ],
    ["no From", new URLSearchParams({ MessageSid: sid, Body: "hi" }).toString(), 0, 0],
    ["no MessageSid", new URLSearchParams({ From: "+254712345678", Body: "hi" }).toString(), 0, 0],
    ["neither Body nor NumMedia", new URLSearchParams({ MessageSid: sid, From: "+254712345678" }).toString(), 0, 0],
  ] as const)("%s", (_n, rawBody, inbound, statuses) => {
    const req = webhookRequest({ rawBody });
    expect(adapter.parseInbound(req)).toHaveLength(inbound);
    expect(adapter.parseStatus(req)).toHaveLength(statuses);
  });

  it("an inbound form without SmsStatus becomes the message it carries", () => {
    const [msg] = adapter.parseInbound(webhookRequest({ rawBody: form("inbound-sms-no-status.form") }));
    expect(msg).toMatchObject({
      providerMessageId: "SM4e5f60718293a4b5c6d7e8f90a1b2c3d",
      from: "+254712345678",
      to: "+15017122661",
      contentType: "text",
      text: "Is my order ready?",
      metadata: { segments: 1, numMedia: 0, fromCountry: "KE" },
    });
    const [mms] = adapter.parseInbound(webhookRequest({ rawBody: form("inbound-mms-no-body.form") }));
    expect(mms).toMatchObject({ contentType: "image", text: "", metadata: { numMedia: 1 } });
    expect(mms!.metadata.media).toEqual([
      {
        ref: "https://api.twilio.com/2010-04-01/Accounts/AC3f2b9e8d7c6a5b4f3e2d1c0b9a8f7e6d/Messages/MM5f60718293a4b5c6d7e8f90a1b2c3d4e/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f",
        kind: "image",
        mimeType: "image/jpeg",
        filename: null,
      },
    ]);
    expect(msg!.metadata.media).toBeUndefined();
  });

  it("inbound SMS with UTF-8 body", () => {
    const [msg] = adapter.parseInbound(webhookRequest({ rawBody: form("inbound-sms.form") }));
    expect(msg).toMatchObject({
      providerMessageId: "SM9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3",
      from: "+251911234567",
      to: "+15017122661",
      text: "STOP please 🙏",
      metadata: { fromCountry: "ET" },
    });
  });

  it("inbound SMS carries Twilio's own opt-out signal (Advanced Opt-Out, a custom keyword)", () => {
    const [msg] = adapter.parseInbound(webhookRequest({ rawBody: form("inbound-optout-stop.form") }));
    expect(msg).toMatchObject({ text: "Arret", metadata: { providerOptOut: "opt_out", optOutType: "STOP" } });
    const [plain] = adapter.parseInbound(webhookRequest({ rawBody: form("inbound-sms.form") }));
    expect(plain!.metadata.providerOptOut).toBeUndefined();
  });
});

describe("twilio X-Twilio-Signature", () => {
  // Vectors computed with python3: base64(hmac.new(token, url + ''.join(k+v for k,v in sorted(params)), sha1))
  const cases = [
    [
      "status callback with query string in URL",
      "status-delivered.form",
      "https://hooks.example.test/webhooks/sms/0b8e1c2a?provider=twilio",
      "O9HSmCzjHDHkp9q67646CrxZEHY=",
      true,
    ],
    [
      "inbound SMS with non-ASCII body",
      "inbound-sms.form",
      "https://hooks.example.test/webhooks/sms/0b8e1c2a/inbound",
      "LZRl3Lh0z3SEkvN5pnGlj9Jduik=",
      true,
    ],
    [
      "URL differs (http vs https)",
      "status-delivered.form",
      "http://hooks.example.test/webhooks/sms/0b8e1c2a?provider=twilio",
      "O9HSmCzjHDHkp9q67646CrxZEHY=",
      false,
    ],
    [
      "signature of the other request",
      "inbound-sms.form",
      "https://hooks.example.test/webhooks/sms/0b8e1c2a/inbound",
      "O9HSmCzjHDHkp9q67646CrxZEHY=",
      false,
    ],
  ] as const;
  it.each(cases)("%s", (_n, file, url, sig, valid) => {
    const req = webhookRequest({
      url,
      rawBody: form(file),
      headers: { "content-type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig },
    });
    expect(new TwilioAdapter().verifyWebhookSignature(req, credentials)).toBe(valid);
  });
  it("tampered parameter fails", () => {
    const body = form("status-delivered.form").replace("MessageStatus=delivered", "MessageStatus=failed");
    const req = webhookRequest({
      url: cases[0][2],
      rawBody: body,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": cases[0][3] },
    });
    expect(new TwilioAdapter().verifyWebhookSignature(req, credentials)).toBe(false);
  });
});

describe("twilio verifyCredentials", () => {
  it.each([
    ["valid", { status: 200, body: { sid: credentials.account_sid, status: "active" } }, { valid: true }],
    [
      "bad token",
      { status: 401, body: f("error-20003.json") },
      { valid: false, code: "provider_auth_failed", reason: "Authenticate" },
    ],
  ] as const)("%s", async (_n, reply, expected) => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("GET", `/2010-04-01/Accounts/${credentials.account_sid}.json`, reply);
    await expect(new TwilioAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials)).resolves.toEqual(
      expected,
    );
    await provider.close();
  });
});

describe("Twilio inbound media", () => {
  it("downloads MediaUrlN with the account's Basic auth, and sends it to Twilio's origin only", async () => {
    const adapter = new TwilioAdapter();
    const own = await adapter.locateInboundMedia(
      `${ORIGIN}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1`,
      credentials,
    );
    const basic = Buffer.from(`${credentials.account_sid}:${credentials.auth_token}`).toString("base64");
    expect(own.headers).toEqual({ authorization: `Basic ${basic}` });
    const other = await adapter.locateInboundMedia("https://api.twilio.com.evil.example/x", credentials);
    expect(other.headers).toEqual({});
  });
});
