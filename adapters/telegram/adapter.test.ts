import { describe, expect, it } from "vitest";
import {
  MockProvider,
  basePayload,
  describeSecretHygiene,
  describeSendCases,
  fixture,
  fixtureJson,
  jsonWebhook,
  type SendSuite,
} from "../testkit/index.js";
import { TelegramAdapter } from "./adapter.js";
import { DispatchPayload } from "../contract/types.js";
import { TELEGRAM_SECRET_FIELDS } from "./credentials.js";

const ORIGIN = "https://api.telegram.org";
const credentials = {
  bot_token: "7012345678:AAHk3v9Zq_secretPartOfToken-xyz",
  webhook_secret: "wh_sec-2b7e151628aed2a6",
};
const f = (name: string) => fixtureJson(import.meta.url, name);

const suite: SendSuite = {
  adapter: (opts) => new TelegramAdapter(opts),
  origin: ORIGIN,
  method: "POST",
  path: `/bot${credentials.bot_token}/sendMessage`,
  basePayload: basePayload({
    channelType: "telegram",
    credentials,
    deliveryAddress: "123456789",
    messageBody: "Your order has shipped",
  }),
  cases: [
    {
      name: "sent: message_id becomes the provider id, parse_mode passed through",
      payload: { metadata: { parse_mode: "HTML" } },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: "4812", metadata: { chatId: 123456789 } },
      request: (req) => {
        expect(req.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(req.body)).toEqual({
          chat_id: "123456789",
          text: "Your order has shipped",
          parse_mode: "HTML",
        });
      },
    },
    {
      name: "channel options: parse mode, inline buttons, silent delivery",
      payload: {
        options: {
          parse_mode: "MarkdownV2",
          disable_notification: true,
          inline_buttons: [
            [{ text: "Track", url: "https://shop.example/t/42" }],
            [{ text: "OK", callback_data: "ok" }],
          ],
        },
      },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: "4812" },
      request: (req) =>
        expect(JSON.parse(req.body)).toEqual({
          chat_id: "123456789",
          text: "Your order has shipped",
          parse_mode: "MarkdownV2",
          disable_notification: true,
          reply_markup: {
            inline_keyboard: [
              [{ text: "Track", url: "https://shop.example/t/42" }],
              [{ text: "OK", callback_data: "ok" }],
            ],
          },
        }),
    },
    {
      name: "a reply quotes the customer's message (reply_parameters from the stored chat:message id)",
      payload: { replyTo: "123456789:4711" },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: "4812" },
      request: (req) =>
        expect(JSON.parse(req.body)).toMatchObject({
          reply_parameters: { message_id: 4711, allow_sending_without_reply: true },
        }),
    },
    {
      name: "429 with retry_after → throttled",
      reply: { status: 429, body: f("error-429.json") },
      error: { kind: "throttled", code: "provider_throttled", retryAfterMs: 7000, providerCode: "429" },
    },
    {
      name: "403 bot blocked → permanent opt-out",
      reply: { status: 403, body: f("error-403-blocked.json") },
      error: { kind: "permanent", code: "recipient_opted_out", optOut: true },
    },
    {
      name: "400 chat not found → permanent invalid recipient",
      reply: { status: 400, body: f("error-400-chat-not-found.json") },
      error: { kind: "permanent", code: "invalid_recipient", optOut: false },
    },
    {
      name: "400 entity parse error → permanent invalid content",
      reply: { status: 400, body: f("error-400-parse.json") },
      error: { kind: "permanent", code: "invalid_content" },
    },
    {
      name: "401 → permanent auth failure",
      reply: { status: 401, body: f("error-401.json") },
      error: { kind: "permanent", code: "provider_auth_failed" },
    },
    {
      name: "502 → retryable",
      reply: { status: 502, body: f("error-502.json") },
      error: { kind: "retryable", code: "provider_unavailable" },
    },
    {
      name: "connection reset → retryable",
      reply: { networkError: "ECONNRESET" },
      error: { kind: "retryable", code: "provider_unreachable" },
    },
    {
      name: "unknown parse_mode refused before sending",
      payload: { metadata: { parse_mode: "BBCode" } },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "invalid_parse_mode" },
    },
    {
      name: "malformed bot token refused before sending",
      payload: { credentials: { bot_token: "not-a-token" } },
      refusedBeforeSend: true,
      error: { kind: "permanent", code: "invalid_credentials" },
    },
  ],
};

describeSendCases("telegram send", suite);

const attachment = (kind: "image" | "document" | "audio" | "video", url: string) => ({
  url,
  kind,
  contentType: null,
  filename: null,
  sizeBytes: null,
});

describeSendCases("telegram send with media", {
  ...suite,
  path: `/bot${credentials.bot_token}/sendPhoto`,
  cases: [
    {
      name: "an image goes by sendPhoto with its URL and the text as caption",
      payload: { attachments: [attachment("image", "https://api.example.com/media-links/t1")] },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: "4812" },
      request: (req) =>
        expect(JSON.parse(req.body)).toEqual({
          chat_id: "123456789",
          photo: "https://api.example.com/media-links/t1",
          caption: "Your order has shipped",
        }),
    },
  ],
});

describeSendCases("telegram send with a document", {
  ...suite,
  path: `/bot${credentials.bot_token}/sendDocument`,
  cases: [
    {
      name: "a document goes by sendDocument",
      payload: { messageBody: "", attachments: [attachment("document", "https://x.example/a.pdf")] },
      reply: { status: 200, body: f("send-ok.json") },
      ok: { providerMessageId: "4812" },
      request: (req) =>
        expect(JSON.parse(req.body)).toEqual({ chat_id: "123456789", document: "https://x.example/a.pdf" }),
    },
  ],
});
describeSecretHygiene("telegram secrets", suite, TELEGRAM_SECRET_FIELDS);

describe("telegram inbound", () => {
  const adapter = new TelegramAdapter();
  it.each([
    [
      "text message",
      "update-text.json",
      { providerMessageId: "123456789:77", from: "123456789", contentType: "text", text: "ሰላም, is my order ready?" },
    ],
    [
      "photo is reported clearly as non-text",
      "update-photo.json",
      {
        providerMessageId: "123456789:78",
        contentType: "image",
        text: "[photo] receipt",
        // The largest size's file_id (Telegram lists sizes smallest first).
        metadata: { media: [{ ref: "AgACAgQAAxkBAAIBTWa", kind: "image", mimeType: null, filename: null }] },
      },
    ],
  ] as const)("%s", (_n, file, expected) => {
    const [msg, ...rest] = adapter.parseInbound(jsonWebhook(fixture(import.meta.url, file)));
    expect(rest).toHaveLength(0);
    expect(msg).toMatchObject(expected);
    expect(msg?.receivedAt).toMatch(/^2024-11-22T/);
  });

  it.each([
    ["callback query", "update-callback-query.json"],
    ["chat member change", "update-my-chat-member.json"],
  ])("update without a message is acknowledged and ignored: %s", (_n, file) => {
    expect(adapter.parseInbound(jsonWebhook(fixture(import.meta.url, file)))).toEqual([]);
    expect(adapter.parseStatus(jsonWebhook(fixture(import.meta.url, file)))).toEqual([]);
  });

  it("garbage body yields nothing rather than throwing", () => {
    expect(adapter.parseInbound(jsonWebhook("{not json"))).toEqual([]);
  });
});

describe("telegram webhook secret token", () => {
  const adapter = new TelegramAdapter();
  const body = fixture(import.meta.url, "update-text.json");
  it.each([
    ["matching token", { "X-Telegram-Bot-Api-Secret-Token": credentials.webhook_secret }, credentials, true],
    [
      "header name is case-insensitive",
      { "x-telegram-bot-api-secret-token": credentials.webhook_secret },
      credentials,
      true,
    ],
    ["wrong token", { "X-Telegram-Bot-Api-Secret-Token": "wh_sec-2b7e151628aed2a7" }, credentials, false],
    ["missing header", {}, credentials, false],
    [
      "channel without a configured secret refuses everything",
      { "X-Telegram-Bot-Api-Secret-Token": "" },
      { bot_token: credentials.bot_token },
      false,
    ],
  ] as const)("%s", (_n, headers, creds, valid) => {
    expect(adapter.verifyWebhookSignature(jsonWebhook(body, { headers }), creds)).toBe(valid);
  });
});

describe("telegram setWebhook, getMe", () => {
  it("registers the webhook with the secret token", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", `/bot${credentials.bot_token}/setWebhook`, { status: 200, body: f("setwebhook-ok.json") });
    const adapter = new TelegramAdapter({ dispatcher: provider.agent });
    await adapter.registerWebhook(credentials, { url: "https://hooks.example.test/webhooks/telegram/c1" });
    expect(JSON.parse(provider.requests[0]!.body)).toMatchObject({
      url: "https://hooks.example.test/webhooks/telegram/c1",
      secret_token: credentials.webhook_secret,
    });
    await provider.close();
  });

  it.each([
    ["valid token", { status: 200, body: f("getme-ok.json") }, { valid: true }],
    [
      "revoked token",
      { status: 401, body: f("error-401.json") },
      { valid: false, code: "provider_auth_failed", reason: "Unauthorized" },
    ],
  ] as const)("verifyCredentials: %s", async (_n, reply, expected) => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", `/bot${credentials.bot_token}/getMe`, reply);
    await expect(new TelegramAdapter({ dispatcher: provider.agent }).verifyCredentials(credentials)).resolves.toEqual(
      expected,
    );
    await provider.close();
  });

  it("checkHealth reports disconnected when the API is unreachable", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.replyWithNetworkError("POST", `/bot${credentials.bot_token}/getMe`);
    const health = await new TelegramAdapter({ dispatcher: provider.agent }).checkHealth(credentials);
    expect(health.status).toBe("disconnected");
    expect(health.errorMessage).not.toContain(credentials.bot_token);
    await provider.close();
  });
});

describe("telegram file_id reuse", () => {
  const payload = (providerRef?: string) =>
    DispatchPayload.parse(
      basePayload({
        channelType: "telegram",
        credentials,
        deliveryAddress: "123456789",
        messageBody: "Your order has shipped",
        attachments: [
          {
            ...attachment("image", "https://api.example.com/media-links/t1"),
            mediaId: "0b6c5a8e-57f4-4c39-9d1c-b1f0a3f2b7d1",
            ...(providerRef ? { providerRef } : {}),
          },
        ],
      }),
    );

  it("a photo sent by URL answers the largest size's file_id for the next sends", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", `/bot${credentials.bot_token}/sendPhoto`, { status: 200, body: f("send-photo-ok.json") });
    const adapter = new TelegramAdapter({ dispatcher: provider.agent });
    expect(adapter.mediaReuse).toEqual({ by: "first-send", lifetimeMs: null });
    const result = await adapter.send(payload());
    expect(result).toMatchObject({ providerMessageId: "4813", mediaRef: "AgACAgQAAxkDAAIBTmLarge" });
    await provider.close();
  });

  it("a later send passes the file_id instead of the URL and expects none back", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", `/bot${credentials.bot_token}/sendPhoto`, { status: 200, body: f("send-photo-ok.json") });
    const result = await new TelegramAdapter({ dispatcher: provider.agent }).send(payload("AgACAgQAAxkDAAIBTmLarge"));
    expect(JSON.parse(provider.requests[0]!.body)).toEqual({
      chat_id: "123456789",
      photo: "AgACAgQAAxkDAAIBTmLarge",
      caption: "Your order has shipped",
    });
    expect(result.mediaRef).toBeUndefined();
    await provider.close();
  });
});

describe("telegram albums", () => {
  const album = (...kinds: Array<"image" | "document" | "audio" | "video">) =>
    DispatchPayload.parse(
      basePayload({
        channelType: "telegram",
        credentials,
        deliveryAddress: "123456789",
        messageBody: "Our new menu",
        attachments: kinds.map((k, i) => ({
          ...attachment(k, `https://api.example.com/media-links/t${i}`),
          ...(i === 1 ? { providerRef: "AgACAgQAAxkDAAIBTmLarge" } : {}),
        })),
      }),
    );

  it("2–10 attachments go as one sendMediaGroup, the text the first item's caption", async () => {
    const provider = new MockProvider(ORIGIN);
    provider.reply("POST", `/bot${credentials.bot_token}/sendMediaGroup`, {
      status: 200,
      body: {
        ok: true,
        result: [
          { message_id: 4820, chat: { id: 123456789 }, date: 1732270000, media_group_id: "g1" },
          { message_id: 4821, chat: { id: 123456789 }, date: 1732270000, media_group_id: "g1" },
          { message_id: 4822, chat: { id: 123456789 }, date: 1732270000, media_group_id: "g1" },
        ],
      },
    });
    const result = await new TelegramAdapter({ dispatcher: provider.agent }).send(album("image", "image", "video"));
    expect(JSON.parse(provider.requests[0]!.body)).toEqual({
      chat_id: "123456789",
      media: [
        { type: "photo", media: "https://api.example.com/media-links/t0", caption: "Our new menu" },
        { type: "photo", media: "AgACAgQAAxkDAAIBTmLarge" },
        { type: "video", media: "https://api.example.com/media-links/t2" },
      ],
    });
    expect(result).toMatchObject({ providerMessageId: "4820", metadata: { messageIds: [4820, 4821, 4822] } });
    await provider.close();
  });

  it("an album mixing documents with photos is refused before the call", async () => {
    const provider = new MockProvider(ORIGIN);
    await expect(
      new TelegramAdapter({ dispatcher: provider.agent }).send(album("image", "document")),
    ).rejects.toMatchObject({
      kind: "permanent",
      code: "invalid_content",
    });
    expect(provider.requests).toHaveLength(0);
    await provider.close();
  });
});
