import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import { SendError } from "../../adapters/contract/send-error.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { channelCredentialsAad, channelWebhookSecretAad, type SecretBox } from "../../db/secret-box.js";
import { withWebhookSecret } from "./channel-cache.js";

/**
 * Telling providers where to send webhooks (seed 000 §7 "Webhook Registration").
 *
 * Telegram has an API for it (setWebhook with a secret token it echoes on every update), so the
 * registrar does it: it compares each Telegram channel's credentials, webhook secret and URL with
 * what it last registered (a fingerprint) and registers again whenever they differ, which covers
 * a new channel, changed credentials and a moved public URL alike, without the channel API having
 * to remember to call anything. Failed registrations are retried with backoff.
 *
 * The other providers are configured in their consoles; webhookSetup() says exactly what to paste.
 */
export interface WebhookSetup {
  url: string;
  registration: "automatic" | "manual" | "none";
  steps: string[];
}

/** The receiver's address for a channel: /webhooks/{channel_type}/{channel_id} under the public URL. */
export function webhookUrl(baseUrl: string, channel: { id: string; channelType: string }): string {
  return `${baseUrl.replace(/\/+$/, "")}/webhooks/${channel.channelType}/${channel.id}`;
}

export function webhookSetup(baseUrl: string, channel: { id: string; channelType: ChannelType; provider: string }): WebhookSetup {
  const url = webhookUrl(baseUrl, channel);
  const manual = (...steps: string[]): WebhookSetup => ({ url, registration: "manual", steps });
  switch (channel.channelType) {
    case "telegram":
      return { url, registration: "automatic", steps: [`setWebhook is called for you with url=${url} and a secret token; nothing to do.`] };
    case "whatsapp":
      return manual(
        `Meta App Dashboard → WhatsApp → Configuration → Webhook: Callback URL = ${url}`,
        "Verify token = the channel's verify_token credential (Meta calls GET on the URL to check it).",
        "Subscribe to the `messages` field (it carries inbound messages and sent/delivered/read/failed statuses).",
        "Meta signs every call with the app secret: the channel's app_secret credential must be that app's secret.",
      );
    case "messenger":
      return manual(
        `Meta App Dashboard → Messenger → Settings → Webhooks: Callback URL = ${url}`,
        "Verify token = the channel's verify_token credential.",
        "Subscribe the page to `messages`, `message_deliveries` and `message_reads`.",
        "Meta signs every call with the app secret: the channel's app_secret credential must be that app's secret.",
      );
    case "email":
      return manual(
        `Bounce/complaint notifications (SNS HTTPS subscription or the ESP's event webhook): ${url}?token=<the channel's webhook_token credential>`,
        "Or, for an ESP with signed event webhooks: the URL above without ?token and its public key in the event_webhook_public_key credential.",
      );
    case "smpp":
      return { url, registration: "none", steps: ["Delivery receipts and inbound messages arrive on the SMPP bind; there is no webhook."] };
    case "sms":
      switch (channel.provider) {
        case "twilio":
          return manual(
            `Twilio Console → Phone Numbers → your number → Messaging → "A message comes in": Webhook, HTTP POST, ${url}`,
            `Set the channel's status_callback_url credential to ${url} so every send asks Twilio for status callbacks.`,
            "Twilio signs with the account's auth token (the channel's auth_token credential).",
          );
        case "africastalking":
          return manual(
            `Africa's Talking dashboard → SMS → Callback URLs → Delivery Reports: ${url}?token=<the channel's webhook_token credential>`,
            "Same URL for Incoming Messages. Africa's Talking does not sign callbacks; the token is the proof.",
          );
        case "vonage":
          return manual(
            `Vonage dashboard → API settings → SMS settings: Delivery receipts = ${url}, Inbound SMS = ${url} (POST or GET)`,
            "Turn on signed webhooks with the method in the channel's signature_method credential and put the signature secret in signature_secret.",
            `Or set the channel's callback_url credential to ${url} to ask for receipts per message.`,
          );
      }
  }
  return manual(`Point the provider's callbacks at ${url}.`);
}

export interface RegistrarDeps {
  db: Database;
  box: SecretBox;
  adapters: AdapterRegistry;
  baseUrl: string;
  log: Logger;
  now?: () => Date;
}

const MAX_BACKOFF_MS = 3_600_000;

/** Registers webhooks that are due (new, changed, or failed and due for a retry); returns how many it tried. */
export async function registerDueWebhooks(deps: RegistrarDeps, limit = 50): Promise<{ registered: number; failed: number }> {
  const now = deps.now?.() ?? new Date();
  const urlPrefix = `${deps.baseUrl.replace(/\/+$/, "")}/webhooks/telegram/`;
  const { rows } = await deps.db.withSession((s) =>
    s.query<{ id: string; credentials_ciphertext: string; credentials_key_id: string; webhook_secret_ciphertext: string; fingerprint: string; attempts: number | null }>(
      `SELECT c.id, c.credentials_ciphertext, c.credentials_key_id, c.webhook_secret_ciphertext, d.fingerprint, r.attempts
         FROM channels c
         CROSS JOIN LATERAL (SELECT encode(sha256(convert_to(c.credentials_ciphertext || '|' || c.webhook_secret_ciphertext || '|' || $1 || c.id::text, 'UTF8')), 'hex') AS fingerprint) d
         LEFT JOIN channel_webhook_registrations r ON r.channel_id = c.id
        WHERE c.channel_type = 'telegram' AND c.is_enabled AND c.status <> 'disabled'
          AND (r.channel_id IS NULL OR r.fingerprint <> d.fingerprint OR (r.status = 'failed' AND r.next_attempt_at <= $2))
        ORDER BY c.created_at
        LIMIT $3`,
      [urlPrefix, now, limit],
    ),
  );
  let registered = 0;
  let failed = 0;
  for (const row of rows) {
    const url = urlPrefix + row.id;
    const adapter = deps.adapters.get("telegram");
    try {
      const credentials = deps.box.openJson<Record<string, unknown>>({ keyId: row.credentials_key_id, ciphertext: row.credentials_ciphertext }, channelCredentialsAad(row.id));
      const secret = deps.box.open({ keyId: row.credentials_key_id, ciphertext: row.webhook_secret_ciphertext }, channelWebhookSecretAad(row.id));
      const creds = withWebhookSecret("telegram", credentials, secret);
      await adapter.registerWebhook!(creds, { url, secretToken: String(creds.webhook_secret) });
      await record(deps.db, row.id, row.fingerprint, url, { status: "registered", error: null, attempts: 0, next: null }, now);
      registered++;
      deps.log.info({ channelId: row.id, url }, "webhook registered with the provider");
    } catch (err) {
      const attempts = (row.attempts ?? 0) + 1;
      const error = err instanceof SendError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      const next = new Date(now.getTime() + Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** (attempts - 1)));
      await record(deps.db, row.id, row.fingerprint, url, { status: "failed", error, attempts, next }, now);
      failed++;
      deps.log.warn({ channelId: row.id, attempts, retryAt: next.toISOString(), err: error }, "webhook registration failed");
    }
  }
  return { registered, failed };
}

async function record(
  db: Database,
  channelId: string,
  fingerprint: string,
  url: string,
  r: { status: "registered" | "failed"; error: string | null; attempts: number; next: Date | null },
  now: Date,
): Promise<void> {
  await db.withSession((s) =>
    s.query(
      `INSERT INTO channel_webhook_registrations (channel_id, fingerprint, url, status, last_error, attempts, next_attempt_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (channel_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, url = EXCLUDED.url, status = EXCLUDED.status,
         last_error = EXCLUDED.last_error, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at`,
      [channelId, fingerprint, url, r.status, r.error, r.attempts, r.next, now],
    ),
  );
}

/** Runs registerDueWebhooks every `everyMs` until stopped; overlapping runs are skipped. */
export function startWebhookRegistrar(deps: RegistrarDeps, everyMs: number): { stop(): void; runOnce(): Promise<void> } {
  let running: Promise<void> | undefined;
  const runOnce = () => {
    running ??= registerDueWebhooks(deps)
      .then(() => undefined)
      .catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "webhook registrar pass failed"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
