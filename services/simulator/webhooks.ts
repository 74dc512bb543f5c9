/**
 * Signs and posts webhooks exactly as each provider does, so the receiving side can verify them
 * with its production code. Signing is written here independently of the adapters on purpose.
 *
 * A webhook the receiver does not take (a non-2xx answer or no answer) is redelivered as its
 * provider does, on a schedule compressed from hours to about a minute (webhookRetries overrides
 * it): Meta (WhatsApp, Messenger) retries non-200 answers with decreasing frequency, Vonage
 * retries non-2xx, Telegram keeps retrying an update, Twilio does not retry status callbacks by
 * default. Africa's Talking's documentation asks for a 200 and says nothing of retries; it is
 * assumed to redeliver like the other SMS gateways. The first attempt is awaited as before; the
 * retries run in the background, so a send's answer never waits on a receiver's outage.
 */

import { createHash, createHmac, randomUUID } from "node:crypto";
import { request } from "undici";
import type { Logger } from "../../core/logger.js";
import { behaviourOf, type ProviderKey, type SimulatorConfig } from "./config.js";
import type { Delivery, Tracked } from "./deliveries.js";
import type { SimStats } from "./stats.js";

/** Delays between attempts (ms): doubling from 0.5 s, about a minute in all. */
const BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 28_000];

/** Each provider's documented redelivery, compressed. */
export const DEFAULT_WEBHOOK_RETRIES: Record<ProviderKey, readonly number[]> = {
  whatsapp: BACKOFF_MS,
  messenger: BACKOFF_MS,
  vonage: BACKOFF_MS,
  telegram: BACKOFF_MS,
  africastalking: BACKOFF_MS,
  twilio: [],
  smtp: [],
  // An SMSC redelivers a deliver_sm the ESME answered with a temporary error (smsc.ts).
  smpp: BACKOFF_MS,
};

export class WebhookSender {
  constructor(
    private readonly config: () => SimulatorConfig,
    private readonly stats: SimStats,
    private readonly logger: Logger,
  ) {}

  async postJson(
    provider: ProviderKey,
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
    tracked?: Tracked,
  ): Promise<void> {
    const raw = JSON.stringify(body);
    const signed: Record<string, string> =
      provider === "whatsapp" || provider === "messenger"
        ? {
            "x-hub-signature-256":
              "sha256=" + createHmac("sha256", this.config().signing.metaAppSecret).update(raw).digest("hex"),
          }
        : {};
    await this.post(provider, url, raw, { "content-type": "application/json", ...signed, ...headers }, tracked);
  }

  /** Twilio: X-Twilio-Signature = base64 HMAC-SHA1(auth token, URL + sorted name+value pairs). */
  async postTwilio(url: string, params: Record<string, string>, authToken: string, tracked?: Tracked): Promise<void> {
    const data =
      url +
      Object.keys(params)
        .sort()
        .map((k) => k + params[k])
        .join("");
    const signature = createHmac("sha1", authToken).update(data, "utf8").digest("base64");
    await this.post(
      "twilio",
      url,
      new URLSearchParams(params).toString(),
      {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature,
      },
      tracked,
    );
  }

  /** Vonage: sorted "&k=v" (values with & and = replaced by _), md5(… + secret) or HMAC. */
  async postVonage(url: string, params: Record<string, string>, tracked?: Tracked): Promise<void> {
    const { vonageSignatureSecret: secret, vonageSignatureMethod: method } = this.config().signing;
    const full: Record<string, string> = {
      ...params,
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: randomUUID(),
    };
    const base = Object.keys(full)
      .sort()
      .map((k) => `&${k}=${full[k]!.replace(/[&=]/g, "_")}`)
      .join("");
    full.sig =
      method === "md5hash"
        ? createHash("md5")
            .update(base + secret)
            .digest("hex")
        : createHmac("sha256", secret).update(base).digest("hex").toUpperCase();
    await this.post(
      "vonage",
      url,
      new URLSearchParams(full).toString(),
      { "content-type": "application/x-www-form-urlencoded" },
      tracked,
    );
  }

  async postForm(provider: ProviderKey, url: string, params: Record<string, string>, tracked?: Tracked): Promise<void> {
    await this.post(
      provider,
      url,
      new URLSearchParams(params).toString(),
      { "content-type": "application/x-www-form-urlencoded" },
      tracked,
    );
  }

  /** A body the caller built (an inbound e-mail's raw MIME message or its form), posted as it is. */
  async postRaw(provider: ProviderKey, url: string, body: string, contentType: string): Promise<void> {
    await this.post(provider, url, body, { "content-type": contentType });
  }

  private async post(
    provider: ProviderKey,
    url: string,
    body: string,
    headers: Record<string, string>,
    tracked?: Tracked,
  ): Promise<void> {
    const ledger = this.stats.deliveries;
    const delivery = tracked ? ledger.open(provider, tracked) : undefined;
    if (await this.attempt(provider, url, body, headers, delivery)) return;
    const counters = this.stats.of(provider);
    const schedule = behaviourOf(this.config(), provider).webhookRetries ?? DEFAULT_WEBHOOK_RETRIES[provider];
    if (schedule.length === 0) {
      counters.webhooksGivenUp++;
      if (delivery) ledger.giveUp(delivery);
      return;
    }
    void (async () => {
      for (const delay of schedule) {
        await new Promise((r) => setTimeout(r, delay).unref());
        counters.webhooksRetried++;
        if (await this.attempt(provider, url, body, headers, delivery)) return;
      }
      counters.webhooksGivenUp++;
      if (delivery) ledger.giveUp(delivery);
      this.logger.warn({ provider, attempts: schedule.length + 1 }, "webhook given up after every retry");
    })();
  }

  /** One delivery attempt: true when the receiver took it (2xx). */
  private async attempt(
    provider: ProviderKey,
    url: string,
    body: string,
    headers: Record<string, string>,
    delivery?: Delivery,
  ): Promise<boolean> {
    const counters = this.stats.of(provider);
    const ledger = this.stats.deliveries;
    try {
      const res = await request(url, { method: "POST", body, headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        counters.webhooksSent++;
        if (delivery) ledger.attempt(delivery, "accepted", String(res.statusCode));
        return true;
      }
      counters.webhooksFailed++;
      if (delivery) ledger.attempt(delivery, "refused", String(res.statusCode));
      this.logger.warn({ provider, status: res.statusCode }, "webhook refused by receiver");
    } catch (err) {
      counters.webhooksFailed++;
      if (delivery) ledger.attempt(delivery, "no_answer", (err as Error).message);
      this.logger.warn({ provider, err: (err as Error).message }, "webhook delivery failed");
    }
    return false;
  }
}
