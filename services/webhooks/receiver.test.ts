import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { ChannelCache, WebhookChannel } from "./channel-cache.js";
import type { WebhookDedup } from "./dedup.js";
import { webhookRequests, webhookResponse, webhookSignatureRejected } from "../metrics.js";
import { webhookRouter } from "./receiver.js";

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

function harness(publish: EventPublisher["publish"]) {
  const keys = new Set<string>();
  const dedup = {
    claim: async (k: string) => !keys.has(k) && Boolean(keys.add(k)),
    release: async (ks: readonly string[]) => void ks.forEach((k) => keys.delete(k)),
  } as unknown as WebhookDedup;
  const channels = {
    get: async (id: string) => (id === channel.id ? channel : undefined),
    refreshIfStale: async () => undefined,
  } as unknown as ChannelCache;
  const app = express().use(
    "/webhooks",
    webhookRouter({ channels, dedup, publisher: { publish }, log: createLogger("test") }),
  );
  const server = app.listen(0, "127.0.0.1");
  return {
    server,
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
