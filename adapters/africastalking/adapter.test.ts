import { describe, expect, it } from "vitest";
import {
  MockProvider,
  basePayload,
  describeSecretHygiene,
  describeSendCases,
  fixture,
  fixtureJson,
  webhookRequest,
  type SendSuite,
} from "../testkit/index.js";
import { AfricasTalkingAdapter } from "./adapter.js";
import { AFRICASTALKING_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://api.africastalking.com";
const credentials = {
  username: "turumba",
  api_key: "atsk_3c5e7a9b1d2f4e6a8c0b2d4f6e8a0c2e",
  sender_id: "TURUMBA",
  webhook_token: "at-hook-token-8f7e6d5c4b3a",
};
const f = (name: string) => fixtureJson(import.meta.url, name);
const form = (name: string) => fixture(import.meta.url, name).trim();

const suite: SendSuite = {
  adapter: (opts) => new AfricasTalkingAdapter(opts),
  origin: ORIGIN,
  method: "POST",
  path: "/version1/messaging",
  basePayload: basePayload({
    channelType: "sms",
    credentials,
    deliveryAddress: "+254711082300",
    messageBody: "Karibu! Your appointment is at 10:00.",
  }),
  cases: [
    {
      name: "a message with media is refused before sending: this SMS carries none",
      payload: {
        attachments: [
          { url: "https://x.example/a.png", kind: "image", contentType: null, filename: null, sizeBytes: null },
        ],
      },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "media_not_supported" },
    },
    {
      name: "sent: messageId and cost from the recipient entry",
      reply: { status: 201, body: f("send-ok.json") },
      ok: {
        providerMessageId: "ATXid_7f3a2c9e1b0d4e58a6c1f2b3d4e5f6a7",
        metadata: { cost: "KES 0.8000", segments: 1 },
      },
      request: (req) => {
        expect(req.headers.apikey).toBe(credentials.api_key);
        expect(req.headers.accept).toBe("application/json");
        expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
          username: "turumba",
          to: "+254711082300",
          message: "Karibu! Your appointment is at 10:00.",
          from: "TURUMBA",
        });
      },
    },
    {
      name: "406 UserInBlacklist → permanent opt-out",
      reply: { status: 201, body: f("send-blacklisted.json") },
      error: { kind: "permanent", code: "recipient_opted_out", optOut: true, providerCode: "406" },
    },
    {
      name: "403 InvalidPhoneNumber → permanent",
      reply: { status: 201, body: f("send-invalid-number.json") },
      error: { kind: "permanent", code: "invalid_recipient", providerCode: "403" },
    },
    {
      name: "405 InsufficientBalance → permanent",
      reply: { status: 201, body: f("send-insufficient-balance.json") },
      error: { kind: "permanent", code: "insufficient_balance" },
    },
    {
      name: "501 GatewayError → retryable",
      reply: { status: 201, body: f("send-gateway-error.json") },
      error: { kind: "retryable", code: "provider_unavailable", providerCode: "501" },
    },
    {
      name: "empty recipient list → permanent",
      reply: { status: 201, body: f("send-empty-recipients.json") },
      error: { kind: "permanent", code: "provider_rejected" },
    },
    {
      name: "HTTP 429 → throttled",
      reply: { status: 429, body: "Too Many Requests", headers: { "retry-after": "5", "content-type": "text/plain" } },
      error: { kind: "throttled", code: "provider_throttled", retryAfterMs: 5000 },
    },
    {
      name: "HTTP 401 plain text → permanent auth",
      reply: { status: 401, body: "The supplied authentication is invalid", headers: { "content-type": "text/plain" } },
      error: { kind: "permanent", code: "provider_auth_failed" },
    },
    {
      name: "HTTP 500 → retryable",
      reply: { status: 500, body: "Internal Server Error" },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "network error → retryable",
      reply: { networkError: "ECONNREFUSED" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
  ],
};

describeSendCases("africastalking send", suite);
describeSecretHygiene("africastalking secrets", suite, AFRICASTALKING_SECRET_FIELDS);

describe("africastalking delivery reports", () => {
  const adapter = new AfricasTalkingAdapter();
  it.each([
    [
      "Success → delivered",
      "dlr-success.form",
      {
        providerMessageId: "ATXid_7f3a2c9e1b0d4e58a6c1f2b3d4e5f6a7",
        status: "delivered",
        errorCode: null,
        metadata: { networkCode: "63902" },
      },
    ],
    [
      "Failed DoNotDisturbRejection → failed, opt-out",
      "dlr-failed-dnd.form",
      { status: "failed", errorCode: "DoNotDisturbRejection", optOut: true },
    ],
    [
      "Failed InsufficientCredit → failed",
      "dlr-failed-credit.form",
      { status: "failed", errorCode: "InsufficientCredit", optOut: false, metadata: { retryCount: 2 } },
    ],
    ["Buffered → sent", "dlr-buffered.form", { status: "sent" }],
  ] as const)("%s", (_n, file, expected) => {
    const updates = adapter.parseStatus(webhookRequest({ rawBody: form(file) }));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject(expected);
    expect(adapter.parseInbound(webhookRequest({ rawBody: form(file) }))).toEqual([]);
  });

  it("inbound SMS", () => {
    const req = webhookRequest({ rawBody: form("inbound.form") });
    expect(adapter.parseStatus(req)).toEqual([]);
    expect(adapter.parseInbound(req)).toEqual([
      expect.objectContaining({
        providerMessageId: "0c8a1d2e-3f4a-5b6c-7d8e-9f0a1b2c3d4e",
        from: "+254711082300",
        to: "21525",
        text: "Habari, nataka kujiunga",
        receivedAt: "2024-11-22T10:05:00.000Z",
        metadata: { linkId: "SampleLinkId123", networkCode: "63902" },
      }),
    ]);
  });
});

describe("africastalking callback token", () => {
  const adapter = new AfricasTalkingAdapter();
  it.each([
    ["token in callback URL", `https://hooks.example.test/webhooks/sms/c1?token=${credentials.webhook_token}`, true],
    ["wrong token", "https://hooks.example.test/webhooks/sms/c1?token=at-hook-token-8f7e6d5c4b3b", false],
    ["no token", "https://hooks.example.test/webhooks/sms/c1", false],
  ] as const)("%s", (_n, url, valid) => {
    expect(
      adapter.verifyWebhookSignature(webhookRequest({ url, rawBody: form("dlr-success.form") }), credentials),
    ).toBe(valid);
  });

  it.each([
    ["valid", { status: 200, body: f("user-ok.json") }, { valid: true }],
    [
      "refused key",
      { status: 401, body: "The supplied authentication is invalid" },
      { valid: false, code: "provider_auth_failed", reason: "HTTP 401: The supplied authentication is invalid" },
    ],
  ] as const)("verifyCredentials reads the user data: %s", async (_n, reply, expected) => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("GET", "/version1/user?username=turumba", reply);
    await expect(
      new AfricasTalkingAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials),
    ).resolves.toEqual(expected);
    await provider.close();
  });
});
