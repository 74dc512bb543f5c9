import { createHmac, createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { ChannelCache, WebhookChannel } from "./channel-cache.js";
import type { WebhookDedup } from "./dedup.js";
import { webhookRequests, webhookResponse, webhookSignatureRejected } from "../metrics.js";
import { vonageSignature } from "../../adapters/vonage/signature.js";
import { webhookRouter, type ReceiverDeps } from "./receiver.js";

/**
 * The receiver's answers around a broker outage, with the channel store and the replay guard in
 * memory (their SQL is covered by the integration suite): a refused publish is a 503 the provider
 * retries, and the replay key is released so that retry is accepted rather than taken for a replay.
 */
const SECRET = "unit-meta-app-secret";
const channel: WebhookChannel = {
  id: "0b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
  accountId: "1b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
  channelType: "whatsapp",
  provider: "default",
  enabled: true,
  senderName: null,
  credentials: {
    access_token: "unit-access-token",
    phone_number_id: "300000000000001",
    app_secret: SECRET,
    verify_token: "unit-verify-token",
  },
  webhookSecret: "s",
};

function harness(
  publish: EventPublisher["publish"],
  opts: { channels?: WebhookChannel[]; lookups?: string[]; receiver?: Partial<ReceiverDeps> } = {},
) {
  const keys = new Set<string>();
  const dedup = {
    claim: async (k: string) => !keys.has(k) && Boolean(keys.add(k)),
    release: async (ks: readonly string[]) => void ks.forEach((k) => keys.delete(k)),
  } as unknown as WebhookDedup;
  const known = opts.channels ?? [channel];
  // Like the real cache: a channel found once is answered from memory afterwards.
  const inMemory = new Set<string>();
  const channels = {
    get: async (id: string) => {
      opts.lookups?.push(id);
      const found = known.find((c) => c.id === id);
      if (found) inMemory.add(id);
      return found;
    },
    isFresh: (id: string) => inMemory.has(id),
    refreshIfStale: async () => undefined,
  } as unknown as ChannelCache;
  const app = express().use(
    "/webhooks",
    webhookRouter({ channels, dedup, publisher: { publish }, log: createLogger("test"), ...opts.receiver }),
  );
  const server = app.listen(0, "127.0.0.1");
  return {
    server,
    base: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp/${channel.id}`,
  };
}

const body = JSON.stringify({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "1",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "1", phone_number_id: "300000000000001" },
            statuses: [
              { id: "wamid.UNIT1", status: "delivered", timestamp: "1700000000", recipient_id: "251911000001" },
            ],
          },
        },
      ],
    },
  ],
});
const post = (url: string, sig = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": sig }, body });

let close: (() => void) | undefined;

async function until(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
afterEach(() => close?.());

describe("webhook receiver", () => {
  it("answers 503 when the broker refuses, and accepts the provider's retry once it is back", async () => {
    const requests = async (outcome: string) =>
      (await webhookRequests.get()).values
        .filter((v) => v.labels.channel_type === "whatsapp" && v.labels.outcome === outcome)
        .reduce((a, v) => a + v.value, 0);
    const answered = async () =>
      (await webhookResponse.get()).values
        .filter((v) => v.metricName === "turumba_webhook_response_seconds_count")
        .reduce((a, v) => a + v.value, 0);
    const before = {
      failed: await requests("publish_failed"),
      accepted: await requests("accepted"),
      duplicate: await requests("duplicate"),
      answered: await answered(),
    };
    let up = false;
    const published: unknown[] = [];
    const h = harness(async (_topic, data) => {
      if (!up) throw new Error("broker down");
      published.push(data);
    });
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const first = await post(h.url());
    expect(first.status).toBe(503);
    expect(await first.json()).toMatchObject({ code: "unavailable" });
    up = true;
    const retry = await post(h.url());
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const replay = await post(h.url());
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(published).toHaveLength(1);
    // Each answer is counted by outcome; the time to answer is observed for those handed over.
    expect(await requests("publish_failed")).toBe(before.failed + 1);
    expect(await requests("accepted")).toBe(before.accepted + 1);
    expect(await requests("duplicate")).toBe(before.duplicate + 1);
    expect(await answered()).toBe(before.answered + 2);
  });

  it("a retry that comes while the first request's publish is still pending is not acknowledged before it", async () => {
    // The provider gave up waiting on the first request (its timeout) and retries; the first
    // request's publish then fails. Answering the retry 200 as a replay would lose the event.
    const attempts: { fail: (err: Error) => void; succeed: () => void }[] = [];
    const published: unknown[] = [];
    const h = harness(
      (_topic, data) =>
        new Promise<void>((resolve, reject) =>
          attempts.push({ fail: reject, succeed: () => (published.push(data), resolve()) }),
        ),
    );
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const first = post(h.url());
    await until(() => attempts.length === 1);
    let retryAnswered = false;
    const retry = post(h.url()).then((r) => ((retryAnswered = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(retryAnswered).toBe(false);
    attempts[0]!.fail(new Error("broker down"));
    expect((await first).status).toBe(503);
    // The retry publishes the event itself once the first let go of it.
    await until(() => attempts.length === 2);
    attempts[1]!.succeed();
    const answered = await retry;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(published).toHaveLength(1);
  });

  it("a retry that comes while the first request's publish is pending is a replay once that publish succeeds", async () => {
    const attempts: (() => void)[] = [];
    const h = harness((_topic, _data) => new Promise<void>((resolve) => attempts.push(resolve)));
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const first = post(h.url());
    await until(() => attempts.length === 1);
    const retry = post(h.url());
    await new Promise((r) => setTimeout(r, 50));
    attempts[0]!();
    expect((await first).status).toBe(200);
    const answered = await retry;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(attempts).toHaveLength(1);
  });

  it("401 without a signature, 403 with a forged one (both counted), 404 for an unknown channel", async () => {
    const h = harness(async () => undefined);
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const rejected = async (reason: string) =>
      (await webhookSignatureRejected.get()).values
        .filter((v) => v.labels.reason === reason)
        .reduce((a, v) => a + v.value, 0);
    const [missing, invalid] = [await rejected("missing"), await rejected("invalid")];
    expect((await fetch(h.url(), { method: "POST", body })).status).toBe(401);
    expect((await post(h.url(), "sha256=" + "0".repeat(64))).status).toBe(403);
    // Both refusals are counted.
    expect(await rejected("missing")).toBe(missing + 1);
    expect(await rejected("invalid")).toBe(invalid + 1);
    expect((await post(h.url().replace(channel.id, "2b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b"))).status).toBe(404);
  });
});

const counted = async (
  metric: typeof webhookSignatureRejected | typeof webhookRequests,
  label: string,
  value: string,
) =>
  (await metric.get()).values
    .filter((v) => (v.labels as Record<string, string>)[label] === value)
    .reduce((a, v) => a + v.value, 0);

describe("signed webhooks carry their signing time: stale ones are refused", () => {
  const VONAGE_SECRET = "unit-vonage-signature-secret";
  const vonage: WebhookChannel = {
    ...channel,
    id: "3b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
    channelType: "sms",
    provider: "vonage",
    credentials: {
      api_key: "unitkey1",
      api_secret: "unit-api-secret",
      from: "Turumba",
      signature_secret: VONAGE_SECRET,
      signature_method: "sha256",
    },
  };
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const email: WebhookChannel = {
    ...channel,
    id: "4b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
    channelType: "email",
    provider: "default",
    credentials: {
      smtp_host: "smtp.example.com",
      from_email: "noreply@example.com",
      event_webhook_public_key: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    },
  };

  const vonageDlr = (ageSeconds: number) => {
    const params: Record<string, string> = {
      msisdn: "447700900000",
      to: "Turumba",
      messageId: `0A00000${Math.floor(Math.random() * 1e9)}`,
      status: "delivered",
      "err-code": "0",
      "message-timestamp": "2024-11-22 10:05:03",
      timestamp: String(Math.floor(Date.now() / 1000) - ageSeconds),
      nonce: randomUUID(),
    };
    params.sig = vonageSignature(params, VONAGE_SECRET, "sha256");
    return new URLSearchParams(params).toString();
  };
  const emailEvents = (ageSeconds: number) => {
    const payload = JSON.stringify([
      { email: "a@example.net", timestamp: 1, event: "delivered", sg_event_id: randomUUID(), "smtp-id": "<x@y>" },
    ]);
    const timestamp = String(Math.floor(Date.now() / 1000) - ageSeconds);
    const signature = createSign("sha256")
      .update(timestamp + payload)
      .sign(privateKey)
      .toString("base64");
    return {
      body: payload,
      headers: {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": signature,
        "x-twilio-email-event-webhook-timestamp": timestamp,
      },
    };
  };

  it("Vonage: a DLR signed 10 minutes ago is refused 403 signature_stale and counted; a fresh one is accepted", async () => {
    const h = harness(async () => undefined, { channels: [vonage], receiver: { maxAgeMs: 5 * 60_000 } });
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const url = `${h.base()}/vonage/${vonage.id}`;
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const stale = await counted(webhookSignatureRejected, "reason", "stale");
    const old = await fetch(url, { method: "POST", headers: form, body: vonageDlr(600) });
    expect(old.status).toBe(403);
    expect(await old.json()).toMatchObject({ code: "signature_stale" });
    expect(await counted(webhookSignatureRejected, "reason", "stale")).toBe(stale + 1);
    // Signed in the future beyond the window (a clock far off, or a forged time): refused too.
    expect((await fetch(url, { method: "POST", headers: form, body: vonageDlr(-600) })).status).toBe(403);
    const fresh = await fetch(url, { method: "POST", headers: form, body: vonageDlr(30) });
    expect(fresh.status).toBe(200);
    // The window is a setting.
    const wide = harness(async () => undefined, { channels: [vonage], receiver: { maxAgeMs: 3_600_000 } });
    await new Promise((r) => wide.server.once("listening", r));
    const later = await fetch(`${wide.base()}/vonage/${vonage.id}`, {
      method: "POST",
      headers: form,
      body: vonageDlr(600),
    });
    wide.server.close();
    expect(later.status).toBe(200);
  });

  it("signed e-mail events: an old timestamp header is refused, a fresh one accepted", async () => {
    const h = harness(async () => undefined, { channels: [email], receiver: { maxAgeMs: 5 * 60_000 } });
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const url = `${h.base()}/email/${email.id}`;
    const old = await fetch(url, { method: "POST", ...emailEvents(3_600) });
    expect(old.status).toBe(403);
    expect(await old.json()).toMatchObject({ code: "signature_stale" });
    expect((await fetch(url, { method: "POST", ...emailEvents(5) })).status).toBe(200);
  });
});

describe("webhook receivers are rate-limited per channel before the channel is looked up", () => {
  it("a flood on one channel's path is answered 429 with Retry-After; other channels are unaffected", async () => {
    const other = { ...channel, id: "5b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b" };
    const lookups: string[] = [];
    const h = harness(async () => undefined, {
      channels: [channel, other],
      lookups,
      receiver: {
        limits: { perChannelPerSecond: 1, perChannelBurst: 5, unknownLookupsPerSecond: 1, unknownLookupBurst: 5 },
      },
    });
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const limited = await counted(webhookRequests, "outcome", "rate_limited");
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await post(h.url()));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: "rate_limited" });
    // Refused requests never reached the channel lookup.
    expect(lookups.filter((id) => id === channel.id).length).toBeLessThanOrEqual(6);
    expect(await counted(webhookRequests, "outcome", "rate_limited")).toBeGreaterThanOrEqual(limited + 6);
    expect((await post(h.url().replace(channel.id, other.id))).status).not.toBe(429);
  });

  it("lookups of unknown channels are capped: beyond the budget a new unknown id is 429 without a lookup", async () => {
    const lookups: string[] = [];
    const h = harness(async () => undefined, {
      lookups,
      receiver: {
        limits: { perChannelPerSecond: 100, perChannelBurst: 100, unknownLookupsPerSecond: 1, unknownLookupBurst: 3 },
      },
    });
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    expect((await post(h.url())).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await post(h.url().replace(channel.id, randomUUID()))).status);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(16);
    expect(lookups.length).toBeLessThanOrEqual(5);
    // A channel the receiver already holds in memory needs no lookup and is not held back.
    expect((await post(h.url())).status).toBe(200);
  });

  it("no body is read for a channel that does not exist: it is answered before the upload ends", async () => {
    const h = harness(async () => undefined);
    close = () => h.server.close();
    await new Promise((r) => h.server.once("listening", r));
    const target = new URL(h.url().replace(channel.id, randomUUID()));
    // A client that sends a little of a large body and then nothing more.
    const status = await new Promise<number | "no answer">((resolve) => {
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { "content-length": "900000" },
      });
      const timer = setTimeout(() => {
        req.destroy();
        resolve("no answer");
      }, 2_000);
      req.on("response", (res) => {
        clearTimeout(timer);
        res.resume();
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => undefined);
      req.write("x".repeat(1_000));
    });
    expect(status).toBe(404);
  });
});
