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
import { VonageAdapter } from "./adapter.js";
import { VONAGE_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://rest.nexmo.com";
const credentials = {
  api_key: "abcd1234",
  api_secret: "vonageApiSecret9Z",
  from: "AcmeInc",
  signature_secret: "vonage-sig-secret-77aa",
};
const f = (name: string) => fixtureJson(import.meta.url, name);
const form = (name: string) => fixture(import.meta.url, name).trim();
const params = (name: string) => Object.fromEntries(new URLSearchParams(form(name)));

const suite: SendSuite = {
  adapter: (opts) => new VonageAdapter(opts),
  origin: ORIGIN,
  method: "POST",
  path: "/sms/json",
  basePayload: basePayload({
    channelType: "sms",
    credentials,
    deliveryAddress: "+447700900000",
    messageBody: "Your parcel arrives today",
  }),
  cases: [
    {
      name: "sent: GSM text, international number without +",
      reply: { status: 200, body: f("send-ok.json") },
      ok: {
        providerMessageId: "0A0000001234ABCD",
        metadata: { segments: 1, messageIds: ["0A0000001234ABCD"], network: "23410" },
      },
      request: (req) => {
        const body = Object.fromEntries(new URLSearchParams(req.body));
        expect(body).toMatchObject({
          api_key: "abcd1234",
          api_secret: credentials.api_secret,
          from: "AcmeInc",
          to: "447700900000",
          text: "Your parcel arrives today",
          type: "text",
        });
      },
    },
    {
      name: "long Amharic text goes as unicode; every part id kept",
      payload: { messageBody: "ጤና ይስጥልኝ! ".repeat(10) },
      reply: { status: 200, body: f("send-multipart.json") },
      ok: {
        providerMessageId: "0A0000001234ABCE",
        metadata: {
          segments: 2,
          messageIds: ["0A0000001234ABCE", "0A0000001234ABCF"],
          encoding: "ucs2",
          price: "0.06660000",
        },
      },
      request: (req) => expect(new URLSearchParams(req.body).get("type")).toBe("unicode"),
    },
    {
      name: "status 1 throttled → throttled",
      reply: { status: 200, body: f("send-throttled.json") },
      error: { kind: "throttled", code: "provider_throttled", providerCode: "1" },
    },
    {
      name: "status 7 number barred → permanent opt-out",
      reply: { status: 200, body: f("send-barred.json") },
      error: { kind: "permanent", code: "recipient_opted_out", optOut: true },
    },
    {
      name: "status 4 bad credentials → permanent auth",
      reply: { status: 200, body: f("send-bad-credentials.json") },
      error: { kind: "permanent", code: "provider_auth_failed" },
    },
    {
      name: "status 5 internal error → retryable",
      reply: { status: 200, body: f("send-internal-error.json") },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "status 9 quota → permanent",
      reply: { status: 200, body: f("send-quota.json") },
      error: { kind: "permanent", code: "insufficient_balance" },
    },
    {
      name: "HTTP 429 → throttled",
      reply: { status: 429, body: "" },
      error: { kind: "throttled", code: "provider_throttled" },
    },
    {
      name: "HTTP 502 → retryable",
      reply: { status: 502, body: "Bad gateway" },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "network error → retryable",
      reply: { networkError: "ECONNRESET" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
  ],
};

describeSendCases("vonage send", suite);
describeSecretHygiene("vonage secrets", suite, VONAGE_SECRET_FIELDS);

describe("vonage delivery receipts and inbound", () => {
  const adapter = new VonageAdapter();
  it("delivered receipt (form POST)", () => {
    expect(adapter.parseStatus(webhookRequest({ rawBody: form("dlr-delivered.form") }))).toEqual([
      expect.objectContaining({
        providerMessageId: "0A0000001234ABCD",
        status: "delivered",
        recipient: "+447700900000",
        errorCode: null,
        occurredAt: "2024-11-22T10:05:00.000Z",
      }),
    ]);
  });
  it("failed receipt err-code 4 (call barred by user) is an opt-out — as GET query", () => {
    const [u] = adapter.parseStatus(
      webhookRequest({
        method: "GET",
        url: `https://hooks.example.test/dlr?${form("dlr-failed-barred.form")}`,
        rawBody: "",
      }),
    );
    expect(u).toMatchObject({ status: "failed", errorCode: "4", errorMessage: "Call Barred by User", optOut: true });
  });
  it("JSON receipt", () => {
    const [u] = adapter.parseStatus(
      jsonWebhook({ ...params("dlr-delivered.form"), status: "expired", "err-code": "1" }),
    );
    expect(u).toMatchObject({ status: "failed", errorCode: "1" });
  });
  it.each(["unknown", "something-new"])("status %s produces no update", (status) => {
    expect(adapter.parseStatus(jsonWebhook({ ...params("dlr-delivered.form"), status }))).toEqual([]);
  });
  it("inbound SMS", () => {
    const req = webhookRequest({ rawBody: form("inbound.form") });
    expect(adapter.parseStatus(req)).toEqual([]);
    expect(adapter.parseInbound(req)).toEqual([
      expect.objectContaining({
        providerMessageId: "0A0000001234EEEE",
        from: "+447700900000",
        to: "447700900999",
        text: "Hi & thanks= see you",
        receivedAt: "2024-11-22T10:07:00.000Z",
        metadata: { keyword: "HI", concat: null },
      }),
    ]);
  });
});

describe("vonage signed webhooks", () => {
  // Computed with python3: sorted "&k=v" (values with & and = → _), md5(base + secret) / HMAC-SHA256(secret, base).
  const vectors = [
    ["dlr md5hash", "dlr-delivered.form", "md5hash", "2adf2364f02c80c6af34719eee59c76e", true],
    [
      "dlr sha256 (uppercase hex)",
      "dlr-delivered.form",
      "sha256",
      "C38AC2BA845FEF0C4A0570535FA386BCB28C4C0E19E57287B7DC801861DD10BC",
      true,
    ],
    ["inbound md5hash, value with & and =", "inbound.form", "md5hash", "323e94781802748d75610c83779d630b", true],
    [
      "inbound sha256",
      "inbound.form",
      "sha256",
      "B1B43A1498D3EA6B2D375C34B6FF9F1502033CDB7B3F7F3863E1959FAF2FF1D7",
      true,
    ],
    ["md5 digest checked as sha256", "dlr-delivered.form", "sha256", "2adf2364f02c80c6af34719eee59c76e", false],
    ["another message's signature", "inbound.form", "md5hash", "2adf2364f02c80c6af34719eee59c76e", false],
  ] as const;
  it.each(vectors)("%s", (_n, file, method, sig, valid) => {
    const req = webhookRequest({ rawBody: `${form(file)}&sig=${sig}` });
    expect(new VonageAdapter().verifyWebhookSignature(req, { ...credentials, signature_method: method })).toBe(valid);
  });
  it("missing sig is rejected", () => {
    expect(
      new VonageAdapter().verifyWebhookSignature(webhookRequest({ rawBody: form("inbound.form") }), credentials),
    ).toBe(false);
  });
  it("verifyCredentials reads the balance", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("GET", (p) => p.startsWith("/account/get-balance?"), {
      status: 401,
      body: { "error-code": "401", "error-code-label": "authentication failed" },
    });
    await expect(new VonageAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials)).resolves.toEqual({
      valid: false,
      code: "provider_auth_failed",
      reason: "HTTP 401: authentication failed",
    });
    await provider.close();
  });
});
