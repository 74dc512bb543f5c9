/**
 * Settings of the webhook receivers and of their consumers, read from the environment like
 * services/api/config.ts.
 */

import { z } from "zod";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const webhookConfigSchema = z.object({
  WEBHOOK_PUBLIC_URL: z
    .url()
    .optional()
    .describe(
      "Public base URL providers reach the receivers at (e.g. https://hooks.example.com). Twilio signs the full URL it called, and Telegram's setWebhook needs it. Unset: signatures are checked against the URL of the request as received, and no webhook is registered automatically.",
    ),
  WEBHOOK_DEDUP_TTL_SECONDS: int(60, 30 * 86_400)
    .default(86_400)
    .describe(
      "How long a webhook event's replay key is remembered; a replay within this time is acknowledged and dropped.",
    ),
  WEBHOOK_ACKNOWLEDGE: z
    .enum(["published", "stored"])
    .default("published")
    .describe(
      "When a webhook is answered 200. published: once its events are on the broker (the broker's publish confirm). stored: once they are committed to PostgreSQL in the statement that claims their replay keys; a relay in the API publishes them right after (and any left behind once a second, from any replica). Both keep every acknowledged event; stored answers after one database write instead of a write and a broker confirm.",
    ),
  WEBHOOK_CHANNEL_CACHE_MS: int(0, 600_000)
    .default(30_000)
    .describe(
      "How long a receiver keeps a channel's decrypted secrets in memory; a failed signature re-reads a copy older than 2 s at once, so rotated credentials apply immediately.",
    ),
  WEBHOOK_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default("1mb")
    .describe("Largest webhook body accepted."),
  WEBHOOK_MAX_AGE_SECONDS: int(30, 86_400)
    .default(300)
    .describe(
      "How far the timestamp a provider signs (Vonage signed webhooks, signed e-mail events) may be from now, either way; a request outside it is refused 403 signature_stale, so a captured request cannot be replayed.",
    ),
  WEBHOOK_RATE_PER_CHANNEL: int(1, 1_000_000)
    .default(500)
    .describe(
      "Webhooks per second each channel's path is answered (a burst of twice that); more are refused 429 with Retry-After before the channel is looked up. Per replica.",
    ),
  WEBHOOK_UNKNOWN_LOOKUPS_PER_SECOND: int(1, 100_000)
    .default(20)
    .describe(
      "Lookups per second of channel ids that turn out not to exist (a burst of five times that); beyond it, ids not in memory are refused 429. Per replica.",
    ),
  WEBHOOK_REGISTER_EVERY_MS: int(0, 3_600_000)
    .default(5_000)
    .describe(
      "How often the API checks for channels whose webhook must be (re-)registered with the provider (Telegram); 0 turns it off.",
    ),
});

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export function loadWebhookConfig(env: Record<string, string | undefined> = process.env): WebhookConfig {
  const parsed = webhookConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid webhook configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}
