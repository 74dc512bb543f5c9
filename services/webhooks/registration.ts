/**
 * Telling providers where to send webhooks.
 *
 * Providers with an API for it (their plugin says registration "automatic"; Telegram's setWebhook
 * with a secret token it echoes on every update) are registered by the registrar: it compares each
 * of their channels' credentials, webhook secret and URL with what it last registered (a
 * fingerprint) and registers again whenever they differ, which covers a new channel, changed
 * credentials and a moved public URL alike, without the channel API having to remember to call
 * anything. Failed registrations are retried with backoff.
 *
 * The other providers are configured in their consoles; webhookSetup() says exactly what to paste.
 */

import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import type { ProviderPlugin } from "../../adapters/contract/plugin.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { automaticallyRegistered, providerPlugin, webhookCredentials } from "../../adapters/registry.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { channelCredentialsAad, channelWebhookSecretAad, type SecretBox } from "../../db/secret-box.js";
import { dueWebhookRegistrations, recordWebhookRegistration } from "../../db/webhooks/registrations.js";

export interface WebhookSetup {
  url: string;
  registration: "automatic" | "manual" | "none";
  steps: string[];
}

/** The receiver's address for a channel: /webhooks/{channel_type}/{channel_id} under the public URL. */
export function webhookUrl(baseUrl: string, channel: { id: string; channelType: string }): string {
  return `${baseUrl.replace(/\/+$/, "")}/webhooks/${channel.channelType}/${channel.id}`;
}

export function webhookSetup(
  baseUrl: string,
  channel: { id: string; channelType: ChannelType; provider: string },
): WebhookSetup {
  const url = webhookUrl(baseUrl, channel);
  const hooks = providerPlugin(channel.channelType, channel.provider)?.webhooks;
  if (!hooks) return { url, registration: "manual", steps: [`Point the provider's callbacks at ${url}.`] };
  return { url, registration: hooks.registration, steps: hooks.steps(url) };
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
export async function registerDueWebhooks(
  deps: RegistrarDeps,
  limit = 50,
): Promise<{ registered: number; failed: number }> {
  const total = { registered: 0, failed: 0 };
  for (const plugin of automaticallyRegistered()) {
    const r = await registerDueOf(plugin, deps, limit);
    total.registered += r.registered;
    total.failed += r.failed;
  }
  return total;
}

async function registerDueOf(
  plugin: ProviderPlugin,
  deps: RegistrarDeps,
  limit: number,
): Promise<{ registered: number; failed: number }> {
  const now = deps.now?.() ?? new Date();
  const urlPrefix = `${deps.baseUrl.replace(/\/+$/, "")}/webhooks/${plugin.channelType}/`;
  const rows = await dueWebhookRegistrations(deps.db, {
    channelType: plugin.channelType,
    provider: plugin.provider,
    urlPrefix,
    now,
    limit,
  });
  let registered = 0;
  let failed = 0;
  for (const row of rows) {
    const url = urlPrefix + row.id;
    const adapter = deps.adapters.get(plugin.channelType, plugin.provider);
    try {
      if (!adapter.registerWebhook)
        throw new Error(`the ${plugin.channelType}/${plugin.provider} adapter cannot register webhooks`);
      const credentials = deps.box.openJson<Record<string, unknown>>(
        { keyId: row.credentials_key_id, ciphertext: row.credentials_ciphertext },
        channelCredentialsAad(row.id),
      );
      const secret = deps.box.open(
        { keyId: row.credentials_key_id, ciphertext: row.webhook_secret_ciphertext },
        channelWebhookSecretAad(row.id),
      );
      // The same credentials the receiver checks signatures with: a secret the provider echoes is the one it will be asked for.
      await adapter.registerWebhook(webhookCredentials(plugin, credentials, secret), { url });
      await recordWebhookRegistration(
        deps.db,
        row.id,
        row.fingerprint,
        url,
        { status: "registered", error: null, attempts: 0, next: null },
        now,
      );
      registered++;
      deps.log.info({ channelId: row.id, url }, "webhook registered with the provider");
    } catch (err) {
      const attempts = (row.attempts ?? 0) + 1;
      const error =
        err instanceof SendError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      const next = new Date(now.getTime() + Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** (attempts - 1)));
      await recordWebhookRegistration(
        deps.db,
        row.id,
        row.fingerprint,
        url,
        { status: "failed", error, attempts, next },
        now,
      );
      failed++;
      deps.log.warn(
        { channelId: row.id, attempts, retryAt: next.toISOString(), err: error },
        "webhook registration failed",
      );
    }
  }
  return { registered, failed };
}

/** Runs registerDueWebhooks every `everyMs` until stopped; overlapping runs are skipped. */
export function startWebhookRegistrar(
  deps: RegistrarDeps,
  everyMs: number,
): { stop(): void; runOnce(): Promise<void> } {
  let running: Promise<void> | undefined;
  const runOnce = () => {
    running ??= registerDueWebhooks(deps)
      .then(() => undefined)
      .catch((err: unknown) =>
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "webhook registrar pass failed"),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
