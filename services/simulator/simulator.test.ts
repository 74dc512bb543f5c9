import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import smpp from "smpp";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChannelAdapter } from "../../adapters/contract/contract.js";
import { createAdapterRegistry, outboundPolicy } from "../../adapters/registry.js";
import { SmppSession } from "../../adapters/smpp/session.js";
import type { ChannelType, InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";
import { EmailAdapter } from "../../adapters/email/adapter.js";
import { SmppCredentials } from "../../adapters/smpp/credentials.js";
import { DispatchPayload, type WebhookRequest } from "../../adapters/contract/types.js";
import type { Delivery } from "./deliveries.js";
import { ReceivedLog, type ReceivedMessage } from "./received.js";
import { startSimulator, type RunningSimulator } from "./simulator.js";
import { DEFAULT_WEBHOOK_RETRIES } from "./webhooks.js";

/** Webhooks the simulator sends land here, exactly as received. */
const received: WebhookRequest[] = [];
/** Paths the receiver answers 503 for, and how many more times (an outage of the platform). */
const refusals = new Map<string, number>();
let receiver: Server;
let hookBase = "";
let sim: RunningSimulator;

const META_SECRET = "sim-app-secret-for-tests";
const VONAGE_SECRET = "sim-vonage-secret-for-tests";
const AT_TOKEN = "at-callback-token-1234567";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "POST",
        url: hookBase + (req.url ?? "/"),
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString("utf8"),
      });
      const path = (req.url ?? "/").split("?")[0]!;
      const left = refusals.get(path) ?? 0;
      if (left > 0) refusals.set(path, left - 1);
      res.writeHead(left > 0 ? 503 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sim = await startSimulator(config());
});

afterAll(async () => {
  await sim.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(async () => {
  received.length = 0;
  refusals.clear();
  sim.configure(config());
  await request(`${sim.httpUrl}/_sim/reset`, { method: "POST" }).then((r) => r.body.dump());
});

function config(overrides: Record<string, unknown> = {}) {
  return {
    httpPort: 0,
    smtpPort: 0,
    smppPort: 0,
    signing: {
      metaAppSecret: META_SECRET,
      vonageSignatureSecret: VONAGE_SECRET,
      vonageSignatureMethod: "md5hash" as const,
    },
    defaults: { receiptDelayMs: 5 },
    providers: {
      whatsapp: { receiptDelayMs: 5, webhookUrl: `${hookBase}/hooks/whatsapp` },
      messenger: { receiptDelayMs: 5, webhookUrl: `${hookBase}/hooks/messenger` },
      twilio: { receiptDelayMs: 5, webhookUrl: `${hookBase}/hooks/twilio` },
      africastalking: { receiptDelayMs: 5, webhookUrl: `${hookBase}/hooks/at?token=${AT_TOKEN}` },
      vonage: { receiptDelayMs: 5, webhookUrl: `${hookBase}/hooks/vonage` },
      ...overrides,
    },
  };
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Case {
  provider: string;
  channelType: ChannelType;
  key: string;
  credentials: () => Record<string, unknown>;
  to: string;
  /** Number of webhooks one send produces (WhatsApp and Twilio report "sent" first). */
  hooks: number;
}

const cases: Case[] = [
  {
    provider: "whatsapp",
    channelType: "whatsapp",
    key: "default",
    to: "+251911000001",
    hooks: 2,
    credentials: () => ({
      access_token: "sim-access-token-000",
      phone_number_id: "300000000000001",
      app_secret: META_SECRET,
      verify_token: "sim-verify-token",
    }),
  },
  {
    provider: "messenger",
    channelType: "messenger",
    key: "default",
    to: "6723591847361234",
    hooks: 1,
    credentials: () => ({
      page_access_token: "sim-page-token-000",
      page_id: "100000000000001",
      app_secret: META_SECRET,
      verify_token: "sim-verify-token",
    }),
  },
  {
    provider: "twilio",
    channelType: "sms",
    key: "twilio",
    to: "+251911000002",
    hooks: 2,
    credentials: () => ({
      account_sid: "AC" + "1".repeat(32),
      auth_token: "sim-twilio-auth-token-0001",
      from: "+15005550006",
      status_callback_url: `${hookBase}/hooks/twilio-status?channel=c1`,
    }),
  },
  {
    provider: "africastalking",
    channelType: "sms",
    key: "africastalking",
    to: "+254711000003",
    hooks: 1,
    credentials: () => ({ username: "sandbox", api_key: "sim-at-api-key-00000001", webhook_token: AT_TOKEN }),
  },
  {
    provider: "vonage",
    channelType: "sms",
    key: "vonage",
    to: "+447700900004",
    hooks: 1,
    credentials: () => ({
      api_key: "simkey01",
      api_secret: "sim-vonage-api-secret",
      from: "Turumba",
      signature_secret: VONAGE_SECRET,
    }),
  },
];

const registry = () =>
  createAdapterRegistry({
    // The simulator listens on loopback, which only the operator's allow-list opens.
    outbound: outboundPolicy("127.0.0.1"),
    baseUrls: Object.fromEntries(
      ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"].map((p) => [p, sim.httpUrl]),
    ),
  });

function payload(
  c: Pick<Case, "channelType" | "credentials" | "to">,
  text = "Hello from the simulator test",
): DispatchPayload {
  return DispatchPayload.parse({
    messageId: randomUUID(),
    channelId: randomUUID(),
    channelType: c.channelType,
    credentials: c.credentials(),
    deliveryAddress: c.to,
    messageBody: text,
    // The customer wrote just now: WhatsApp accepts free-form text.
    lastInboundAt: new Date().toISOString(),
  });
}

describe("HTTP adapters against the simulator: sends, signed receipts, inbound", () => {
  it.each(cases.map((c) => [c.provider, c] as const))("%s: send → signed status webhook → delivered", async (_p, c) => {
    const adapter: ChannelAdapter = registry().get(c.channelType, c.key);
    const result = await adapter.send(payload(c));
    expect(result.success).toBe(true);
    await until(() => received.length >= c.hooks);
    const updates: StatusUpdate[] = [];
    for (const hook of received) {
      expect(adapter.verifyWebhookSignature(hook, c.credentials())).toBe(true);
      updates.push(...adapter.parseStatus(hook));
    }
    expect(updates.at(-1)).toMatchObject({ providerMessageId: result.providerMessageId, status: "delivered" });
    const stats = (await (await request(`${sim.httpUrl}/_sim/stats`)).body.json()) as {
      providers: Record<string, { accepted: number; webhooksSent: number }>;
    };
    expect(stats.providers[c.provider]).toMatchObject({ accepted: 1, webhooksSent: c.hooks });
  });

  it.each(cases.map((c) => [c.provider, c] as const))(
    "%s: failed outcome arrives as a failed status",
    async (_p, c) => {
      if (c.provider === "messenger") return; // Messenger has no failure webhook: silence is the signal.
      sim.configure(
        config({
          [c.provider]: { ...config().providers[c.provider as "twilio"], outcomes: { delivered: 0, failed: 1 } },
        }),
      );
      const adapter = registry().get(c.channelType, c.key);
      await adapter.send(payload(c));
      await until(() => received.length >= c.hooks);
      const last = received.flatMap((h) => adapter.parseStatus(h)).at(-1);
      expect(last?.status).toBe("failed");
      expect(last?.errorCode).toBeTruthy();
    },
  );

  it.each(cases.map((c) => [c.provider, c] as const))(
    "%s: throttling and server errors are classified",
    async (_p, c) => {
      const adapter = registry().get(c.channelType, c.key);
      const base = config().providers[c.provider as "twilio"];
      sim.configure(config({ [c.provider]: { ...base, throttleRate: 1 } }));
      await expect(adapter.send(payload(c))).rejects.toMatchObject({ kind: "throttled" });
      sim.configure(config({ [c.provider]: { ...base, errorRate: 1 } }));
      await expect(adapter.send(payload(c))).rejects.toMatchObject({ kind: "retryable" });
    },
  );

  it("a send that times out is held, then its connection closed: nothing accepted, a retryable failure", async () => {
    const c = cases.find((x) => x.provider === "twilio")!;
    const base = config().providers.twilio;
    sim.configure(config({ twilio: { ...base, timeoutRate: 1, timeoutMs: 300 } }));
    const adapter = registry().get(c.channelType, c.key);
    const started = Date.now();
    await expect(adapter.send(payload(c))).rejects.toMatchObject({ kind: "retryable" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const stats = (await (await request(`${sim.httpUrl}/_sim/stats`)).body.json()) as {
      providers: Record<string, { accepted: number; timeouts: number }>;
    };
    expect(stats.providers.twilio).toMatchObject({ accepted: 0, timeouts: 1 });
  });

  it.each(cases.map((c) => [c.provider, c] as const))("%s: inbound webhook is signed and parsed", async (_p, c) => {
    const adapter = registry().get(c.channelType, c.key);
    if (c.provider === "twilio") await adapter.send(payload(c)); // the simulator learns the auth token from a send
    received.length = 0;
    const res = await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        provider: c.provider,
        from: c.provider === "messenger" ? "6723591847361234" : "+251911000099",
        to: "8080",
        text: "Selam ሰላም",
      }),
    });
    expect(res.statusCode).toBe(202);
    await res.body.dump();
    // Parse each webhook once: the Meta adapters drop redeliveries of a message they have seen.
    let found: { hook: WebhookRequest; msg: InboundMessage } | undefined;
    let seen = 0;
    await until(() => {
      for (; seen < received.length && !found; seen++) {
        const msg = adapter.parseInbound(received[seen]!)[0];
        if (msg) found = { hook: received[seen]!, msg };
      }
      return found !== undefined;
    });
    expect(adapter.verifyWebhookSignature(found!.hook, c.credentials())).toBe(true);
    expect(found!.msg).toMatchObject({ text: "Selam ሰላም" });
  });

  it("telegram: setWebhook registers, sends succeed, inbound carries the secret token", async () => {
    const adapter = registry().get("telegram");
    const creds = { bot_token: "7000000001:SIMtokenSIMtokenSIMtoken", webhook_secret: "sim-secret-token_1" };
    await adapter.registerWebhook!(creds, { url: `${hookBase}/hooks/telegram` });
    const result = await adapter.send(
      DispatchPayload.parse({
        messageId: randomUUID(),
        channelId: randomUUID(),
        channelType: "telegram",
        credentials: creds,
        deliveryAddress: "123456",
        messageBody: "hi",
      }),
    );
    expect(result.success).toBe(true);
    const res = await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "telegram", from: "123456", text: "/start" }),
    });
    await res.body.dump();
    // Receipts of an earlier test's sends (Twilio's "delivered") may still land here: look at Telegram's hooks only.
    const telegramHooks = () => received.filter((h) => h.url.endsWith("/hooks/telegram"));
    await until(() => telegramHooks().length === 1);
    expect(adapter.verifyWebhookSignature(telegramHooks()[0]!, creds)).toBe(true);
    expect(adapter.parseInbound(telegramHooks()[0]!)[0]).toMatchObject({ from: "123456", text: "/start" });
    sim.configure(config({ telegram: { throttleRate: 1 } }));
    await expect(
      adapter.send(
        DispatchPayload.parse({
          messageId: randomUUID(),
          channelId: randomUUID(),
          channelType: "telegram",
          credentials: creds,
          deliveryAddress: "123456",
          messageBody: "hi",
        }),
      ),
    ).rejects.toMatchObject({ kind: "throttled", retryAfterMs: 3000 });
  });

  it("bad simulator config is a 400 with {detail, code}", async () => {
    const res = await request(`${sim.httpUrl}/_sim/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ defaults: { errorRate: 7 } }),
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ code: "invalid_config" });
  });
});

describe("webhook redelivery while the receiver refuses", () => {
  const inbound = async (provider: string) => {
    const res = await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider, from: "+251911000077", to: "8080", text: "are you there?" }),
    });
    expect(res.statusCode).toBe(202);
    await res.body.dump();
  };
  const stats = async (provider: string) => {
    const res = await request(`${sim.httpUrl}/_sim/stats`);
    return ((await res.body.json()) as { providers: Record<string, Record<string, number>> }).providers[provider]!;
  };
  const hooksTo = (path: string) => received.filter((h) => h.url.split("?")[0]!.endsWith(path));

  it.each(["vonage", "whatsapp", "africastalking"])(
    "%s redelivers the same webhook until the receiver takes it",
    async (provider) => {
      const path = provider === "africastalking" ? "/hooks/at" : `/hooks/${provider}`;
      const behaviour = config().providers[provider as "vonage"];
      sim.configure(config({ [provider]: { ...behaviour, webhookRetries: [20, 20, 20, 20] } }));
      refusals.set(path, 2);
      await inbound(provider);
      await until(() => hooksTo(path).length === 3);
      const bodies = new Set(hooksTo(path).map((h) => h.rawBody));
      expect(bodies.size).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(hooksTo(path)).toHaveLength(3);
      expect(await stats(provider)).toMatchObject({
        webhooksSent: 1,
        webhooksFailed: 2,
        webhooksRetried: 2,
        webhooksGivenUp: 0,
      });
      // The ledger has the one inbound message, each attempt with its answer.
      const res = await request(`${sim.httpUrl}/_sim/deliveries?kind=inbound&provider=${provider}`);
      const { deliveries } = (await res.body.json()) as { deliveries: Delivery[] };
      expect(deliveries.at(-1)).toMatchObject({
        kind: "inbound",
        outcome: "accepted",
        attempts: [
          { answer: "refused", detail: "503" },
          { answer: "refused", detail: "503" },
          { answer: "accepted", detail: "200" },
        ],
      });
    },
  );

  it("gives up after the last retry, and counts it", async () => {
    sim.configure(config({ vonage: { ...config().providers.vonage, webhookRetries: [10, 10] } }));
    refusals.set("/hooks/vonage", 10);
    await inbound("vonage");
    await until(() => hooksTo("/hooks/vonage").length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(hooksTo("/hooks/vonage")).toHaveLength(3);
    expect(await stats("vonage")).toMatchObject({ webhooksSent: 0, webhooksRetried: 2, webhooksGivenUp: 1 });
    expect(sim.stats.deliveries.list({ kind: "inbound", provider: "vonage" }).at(-1)).toMatchObject({
      outcome: "given_up",
      attempts: [{ answer: "refused" }, { answer: "refused" }, { answer: "refused" }],
    });
  });

  it("twilio does not retry by default; the others have a bounded schedule of their own", async () => {
    refusals.set("/hooks/twilio", 1);
    await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "twilio", from: "+251911000078", to: "8080", text: "hi" }),
    }).then((r) => r.body.dump());
    await until(() => hooksTo("/hooks/twilio").length === 1);
    await new Promise((r) => setTimeout(r, 700));
    expect(hooksTo("/hooks/twilio")).toHaveLength(1);
    expect(await stats("twilio")).toMatchObject({ webhooksRetried: 0, webhooksGivenUp: 1 });
    for (const p of ["whatsapp", "messenger", "vonage", "telegram", "africastalking"] as const) {
      const total = DEFAULT_WEBHOOK_RETRIES[p].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(30_000);
      expect(total).toBeLessThanOrEqual(60_000);
    }
  });
});

describe("SMTP and SMSC endpoints", () => {
  it("accepts mail from the e-mail adapter and counts it", async () => {
    const adapter = new EmailAdapter({ outbound: outboundPolicy("127.0.0.1") });
    const p = DispatchPayload.parse({
      messageId: randomUUID(),
      channelId: randomUUID(),
      channelType: "email",
      deliveryAddress: "a@example.org",
      messageBody: "<p>hi</p>",
      metadata: { subject: "s", is_html: true },
      credentials: {
        smtp_host: "127.0.0.1",
        smtp_port: sim.smtpPort,
        require_tls: false,
        from_email: "noreply@example.com",
      },
    });
    await adapter.send(p);
    sim.configure(config({ smtp: { throttleRate: 1 } }));
    await expect(adapter.send({ ...p, messageId: randomUUID() })).rejects.toMatchObject({ kind: "throttled" });
    await adapter.close();
    const snap = sim.stats.snapshot();
    expect(snap.providers.smtp).toMatchObject({ accepted: 1, throttled: 1 });
    expect(snap.recent.find((r) => r.provider === "smtp")?.id).toBe(p.messageId);
  });

  it("binds an SMPP session, counts segments, sends receipts and MO", async () => {
    const session = new SmppSession(
      SmppCredentials.parse({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "sim",
        password: "simpass",
        source_addr: "8080",
      }),
      { outbound: outboundPolicy("127.0.0.1") },
    );
    const receipts: StatusUpdate[] = [];
    const inbound: InboundMessage[] = [];
    session.onReceipt((u) => void receipts.push(u));
    session.onInbound((m) => void inbound.push(m));
    await session.start();
    try {
      const result = await session.submit({ messageId: randomUUID(), to: "+251911000005", text: "ሰላም! ".repeat(30) });
      await until(() => receipts.length === result.segments);
      expect(receipts.every((r) => r.status === "delivered")).toBe(true);
      expect(sim.stats.of("smpp")).toMatchObject({ binds: 1, accepted: 1, units: result.segments });
      const res = await request(`${sim.httpUrl}/_sim/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ provider: "smpp", from: "251911000006", to: "8080", text: "ጤና ይስጥልኝ" }),
      });
      await res.body.dump();
      await until(() => inbound.length === 1);
      expect(inbound[0]).toMatchObject({ from: "+251911000006", text: "ጤና ይስጥልኝ" });
      sim.configure(config({ smpp: { throttleRate: 1 } }));
      await expect(session.submit({ messageId: randomUUID(), to: "1", text: "x" })).rejects.toMatchObject({
        kind: "throttled",
        providerCode: "ESME_RTHROTTLED",
      });
    } finally {
      await session.close();
    }
  });

  it("a receipt or MO the ESME cannot take now is refused with ESME_RX_T_APPN and redelivered", async () => {
    sim.configure(config({ smpp: { receiptDelayMs: 5, webhookRetries: [30, 30, 30, 30, 30, 30] } }));
    const session = new SmppSession(
      SmppCredentials.parse({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "sim",
        password: "simpass",
        source_addr: "8080",
      }),
      { outbound: outboundPolicy("127.0.0.1") },
    );
    let ready = false;
    const receipts: StatusUpdate[] = [];
    const inbound: InboundMessage[] = [];
    session.onReceipt((u) => void receipts.push(u));
    session.onInbound((m) => void inbound.push(m));
    session.takeBindEventsWhile(() => ready);
    await session.start();
    try {
      await session.submit({ messageId: randomUUID(), to: "+251911000007", text: "held receipt" });
      const res = await request(`${sim.httpUrl}/_sim/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ provider: "smpp", from: "251911000008", to: "8080", text: "held MO" }),
      });
      await res.body.dump();
      await until(() => sim.stats.of("smpp").webhooksRetried >= 2);
      expect(receipts).toEqual([]);
      expect(inbound).toEqual([]);
      ready = true;
      await until(() => receipts.length === 1 && inbound.length === 1);
      expect(inbound[0]).toMatchObject({ from: "+251911000008", text: "held MO" });
      expect(session.stats()).toMatchObject({ refusedDeliveries: expect.any(Number) });
      expect(session.stats().refusedDeliveries).toBeGreaterThanOrEqual(2);
      expect(sim.stats.of("smpp").webhooksGivenUp).toBe(0);
    } finally {
      await session.close();
    }
  });
});

describe("a deliver_sm is answered once its receipt is handed on", () => {
  it("answers status 0 only after the receipt listener resolved, and a temporary error when it failed", async () => {
    sim.configure(config({ smpp: { receiptDelayMs: 5, webhookRetries: [30, 30, 30] } }));
    const session = new SmppSession(
      SmppCredentials.parse({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "sim",
        password: "simpass",
        source_addr: "8080",
      }),
      { outbound: outboundPolicy("127.0.0.1") },
    );
    let calls = 0;
    let release: (() => void) | undefined;
    // The first hand-on fails (the broker is down); the second waits until released.
    session.onReceipt(() => {
      calls++;
      if (calls === 1) return Promise.reject(new Error("broker down"));
      return new Promise<void>((resolve) => (release = resolve));
    });
    await session.start();
    try {
      const sent = await session.submit({ messageId: randomUUID(), to: "+251911000031", text: "answer me later" });
      const ledger = () =>
        sim.stats.deliveries.list({ provider: "smpp", kind: "receipt" }).find((d) => d.id === sent.segmentIds[0]);
      await until(() => release !== undefined);
      await new Promise((r) => setTimeout(r, 50));
      expect(ledger()?.attempts.map((a) => a.answer)).toEqual(["refused"]);
      release!();
      await until(() => ledger()?.outcome === "accepted");
      expect(ledger()?.attempts.map((a) => a.answer)).toEqual(["refused", "accepted"]);
      // The redelivered receipt still found its submit on the bind: matched, not held as an orphan.
      expect(calls).toBe(2);
    } finally {
      await session.close();
    }
  });
});

describe("SMSC redelivery after a bind closes", () => {
  it("sends a deliver_sm left unanswered when its bind closed again on the next bind", async () => {
    const bindRaw = async (answer: boolean) => {
      const client = smpp.connect({ url: `smpp://127.0.0.1:${sim.smppPort}` });
      client.on("error", () => undefined);
      const texts: string[] = [];
      client.on("deliver_sm", (pdu: smpp.PDU) => {
        const body = pdu.short_message as { message?: string | Buffer } | undefined;
        texts.push(String(body?.message ?? ""));
        if (answer) client.send(pdu.response());
      });
      await new Promise<void>((resolve) =>
        client.bind_transceiver({ system_id: "sim", password: "simpass" }, () => resolve()),
      );
      return { client, texts };
    };
    const silent = await bindRaw(false);
    const res = await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "smpp", from: "251911000009", to: "8080", text: "never answered" }),
    });
    await res.body.dump();
    await until(() => silent.texts.length === 1);
    silent.client.destroy();
    const next = await bindRaw(true);
    try {
      await until(() => next.texts.length === 1);
      expect(next.texts).toEqual(["never answered"]);
      expect(sim.stats.of("smpp").webhooksRetried).toBe(1);
      await until(() => sim.stats.deliveries.list({ provider: "smpp" }).at(-1)?.outcome === "accepted");
      expect(sim.stats.deliveries.list({ provider: "smpp" }).at(-1)).toMatchObject({
        kind: "inbound",
        id: "251911000009:never answered",
        attempts: [{ answer: "no_answer" }, { answer: "accepted", detail: "0x00000000" }],
      });
    } finally {
      next.client.close();
    }
  });
});

describe("SMSC restart", () => {
  it("a deliver_sm whose bind the restart dropped unanswered goes to the next bind, not into the old SMSC", async () => {
    const client = smpp.connect({ url: `smpp://127.0.0.1:${sim.smppPort}` });
    client.on("error", () => undefined);
    let seen = 0;
    client.on("deliver_sm", () => seen++);
    await new Promise<void>((resolve) =>
      client.bind_transceiver({ system_id: "sim", password: "simpass" }, () => resolve()),
    );
    const res = await request(`${sim.httpUrl}/_sim/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "smpp", from: "251911000041", to: "8080", text: "across the restart" }),
    });
    await res.body.dump();
    await until(() => seen === 1);
    await sim.restartSmsc(20);
    const next = smpp.connect({ url: `smpp://127.0.0.1:${sim.smppPort}` });
    next.on("error", () => undefined);
    const texts: string[] = [];
    next.on("deliver_sm", (pdu: smpp.PDU) => {
      texts.push(String((pdu.short_message as { message?: string } | undefined)?.message ?? ""));
      next.send(pdu.response());
    });
    try {
      await new Promise<void>((resolve) =>
        next.bind_transceiver({ system_id: "sim", password: "simpass" }, () => resolve()),
      );
      await until(() => texts.length === 1);
      expect(texts).toEqual(["across the restart"]);
      await until(() => sim.stats.deliveries.list({ provider: "smpp" }).at(-1)?.outcome === "accepted");
      expect(
        sim.stats.deliveries
          .list({ provider: "smpp" })
          .at(-1)
          ?.attempts.map((a) => a.answer),
      ).toEqual(["no_answer", "accepted"]);
    } finally {
      next.close();
    }
  });
});

describe("what each provider received (GET /_sim/received)", () => {
  const received = async (query: string): Promise<ReceivedMessage[]> => {
    const res = await request(`${sim.httpUrl}/_sim/received?${query}`);
    expect(res.statusCode).toBe(200);
    return ((await res.body.json()) as { received: ReceivedMessage[] }).received;
  };
  const send = (c: Case, metadata: Record<string, unknown>, text = "Hello *there*") =>
    registry()
      .get(c.channelType, c.key)
      .send({ ...payload(c, text), metadata });
  const caseOf = (provider: string) => cases.find((c) => c.provider === provider)!;

  it("whatsapp: a template's name, language and parameters, and a text message's body", async () => {
    const wa = caseOf("whatsapp");
    const result = await send(wa, {
      template: {
        name: "order_shipped",
        language: "am",
        components: [
          { type: "header", parameters: [{ type: "text", text: "ቱሩምባ" }] },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Abebe" },
              { type: "currency", currency: { fallback_value: "ETB 120", code: "ETB", amount_1000: 120000 } },
            ],
          },
        ],
      },
    });
    await send(wa, { last_inbound_at: new Date().toISOString(), preview_url: true }, "free-form text");
    const [template, text] = await received(`provider=whatsapp&to=${encodeURIComponent(wa.to.replace("+", ""))}`);
    expect(template).toMatchObject({
      provider: "whatsapp",
      id: result.providerMessageId,
      type: "template",
      text: null,
      template: {
        name: "order_shipped",
        language: "am",
        components: [
          { type: "header", parameters: ["ቱሩምባ"] },
          { type: "body", parameters: ["Abebe", "ETB 120"] },
        ],
      },
      contextMessageId: null,
    });
    expect(text).toMatchObject({ type: "text", text: "free-form text", previewUrl: true, template: null });
  });

  it("telegram and messenger: parse mode, messaging type and tag", async () => {
    const creds = { bot_token: "7000000001:SIMtokenSIMtokenSIMtoken" };
    await registry()
      .get("telegram")
      .send(
        DispatchPayload.parse({
          messageId: randomUUID(),
          channelId: randomUUID(),
          channelType: "telegram",
          credentials: creds,
          deliveryAddress: "4242",
          messageBody: "<b>bold</b>",
          metadata: { parse_mode: "HTML" },
        }),
      );
    expect(await received("provider=telegram&to=4242")).toEqual([
      expect.objectContaining({ text: "<b>bold</b>", parseMode: "HTML", buttons: null, replyToMessageId: null }),
    ]);
    const ms = caseOf("messenger");
    await send(ms, { messaging_type: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" });
    expect(await received(`provider=messenger&to=${ms.to}`)).toEqual([
      expect.objectContaining({ text: "Hello *there*", messagingType: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" }),
    ]);
  });

  it("reads the providers' own reply and button fields off the wire", async () => {
    // As the Bot API takes them: reply_markup serialised as JSON, reply_parameters as an object.
    await request(`${sim.httpUrl}/bot7000000001:SIMtokenSIMtokenSIMtoken/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: 5151,
        text: "pick one",
        reply_markup: JSON.stringify({
          inline_keyboard: [
            [
              { text: "Track", url: "https://example.test/t" },
              { text: "Stop", callback_data: "stop" },
            ],
          ],
        }),
        reply_parameters: { message_id: 77 },
      }),
    }).then((r) => r.body.dump());
    expect(await received("provider=telegram&to=5151")).toEqual([
      expect.objectContaining({
        buttons: [
          [
            { text: "Track", url: "https://example.test/t" },
            { text: "Stop", callbackData: "stop" },
          ],
        ],
        replyToMessageId: "77",
      }),
    ]);
    await request(`${sim.httpUrl}/v21.0/300000000000001/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messaging_product: "whatsapp",
        to: "251911005151",
        type: "text",
        text: { body: "a reply" },
        context: { message_id: "wamid.INBOUND1" },
      }),
    }).then((r) => r.body.dump());
    expect(await received("provider=whatsapp&to=251911005151")).toEqual([
      expect.objectContaining({ text: "a reply", contextMessageId: "wamid.INBOUND1" }),
    ]);
  });

  it("sms providers: body, sender and segments", async () => {
    const long = "ሰላም ".repeat(20);
    for (const provider of ["twilio", "africastalking", "vonage"]) {
      const c = caseOf(provider);
      await send(c, {}, long);
      // Vonage takes the number without its "+": the addressee is whatever the request named.
      const [r] = await received(`provider=${provider}`);
      expect(r, provider).toMatchObject({ text: long, segments: 2 });
      expect(r!.sender, provider).toBe({ twilio: "+15005550006", africastalking: null, vonage: "Turumba" }[provider]);
    }
    expect((await received("provider=vonage"))[0]).toMatchObject({ encoding: "ucs2" });
  });

  it("smtp: subject, HTML and text parts, reply-to and threading headers", async () => {
    const adapter = new EmailAdapter({ outbound: outboundPolicy("127.0.0.1") });
    try {
      await adapter.send(
        DispatchPayload.parse({
          messageId: randomUUID(),
          channelId: randomUUID(),
          channelType: "email",
          deliveryAddress: "reader@example.org",
          messageBody: "<h1>Order ቁጥር 7</h1><p>On its way</p>",
          metadata: {
            subject: "Your order — ትዕዛዝ 7",
            is_html: true,
            text: "Order 7 is on its way",
            reply_to: "care@example.com",
            headers: { "In-Reply-To": "<in-1@mail.example.org>", References: "<in-1@mail.example.org>" },
          },
          credentials: {
            smtp_host: "127.0.0.1",
            smtp_port: sim.smtpPort,
            require_tls: false,
            from_email: "n@example.com",
          },
        }),
      );
    } finally {
      await adapter.close();
    }
    expect(await received("provider=smtp&to=reader@example.org")).toEqual([
      expect.objectContaining({
        sender: "n@example.com",
        subject: "Your order — ትዕዛዝ 7",
        html: "<h1>Order ቁጥር 7</h1><p>On its way</p>",
        text: "Order 7 is on its way",
        replyTo: "care@example.com",
        inReplyTo: "<in-1@mail.example.org>",
        references: "<in-1@mail.example.org>",
      }),
    ]);
  });

  it("smpp: data coding, segments and UDH concatenation, one record per message", async () => {
    const session = new SmppSession(
      SmppCredentials.parse({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "sim",
        password: "p",
        source_addr: "8080",
      }),
      { outbound: outboundPolicy("127.0.0.1") },
    );
    await session.start();
    try {
      const gsmLong = "Your code is 1234. {Keep} it safe, €5 off next time! ".repeat(4);
      await session.submit({ messageId: randomUUID(), to: "+251911000101", text: "short one" });
      await session.submit({ messageId: randomUUID(), to: "+251911000102", text: gsmLong });
      await session.submit({ messageId: randomUUID(), to: "+251911000103", text: "ሰላም ".repeat(30) });
      await until(() => sim.stats.received.query({ provider: "smpp" }).length === 3);
    } finally {
      await session.close();
    }
    expect(await received("provider=smpp&to=251911000101")).toEqual([
      expect.objectContaining({
        text: "short one",
        encoding: "gsm7",
        dataCoding: 0,
        segments: 1,
        udh: false,
        sender: "8080",
      }),
    ]);
    expect((await received("provider=smpp&to=251911000102"))[0]).toMatchObject({
      text: "Your code is 1234. {Keep} it safe, €5 off next time! ".repeat(4),
      encoding: "gsm7",
      segments: 2,
      udh: true,
    });
    expect((await received("provider=smpp&to=251911000103"))[0]).toMatchObject({
      text: "ሰላም ".repeat(30),
      encoding: "ucs2",
      dataCoding: 8,
      segments: 2,
      udh: true,
    });
  });

  it("keeps a bounded buffer, filters and limits, and is emptied by /_sim/reset", async () => {
    const log = new ReceivedLog(10);
    for (let i = 0; i < 25; i++) log.add("twilio", `id${i}`, i % 2 ? "odd" : "even", { text: String(i) });
    expect(log.query().length).toBeLessThanOrEqual(10);
    expect(log.query().at(-1)).toMatchObject({ id: "id24" });
    expect(log.query({ to: "odd", limit: 2 }).map((r) => r.id)).toEqual(["id21", "id23"]);

    await send(caseOf("twilio"), {});
    expect(await received("provider=twilio")).toHaveLength(1);
    expect(await received("provider=vonage")).toHaveLength(0);
    const bad = await request(`${sim.httpUrl}/_sim/received?limit=zero`);
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
    await request(`${sim.httpUrl}/_sim/reset`, { method: "POST" }).then((r) => r.body.dump());
    expect(await received("")).toHaveLength(0);
  });
});
