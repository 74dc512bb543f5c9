/**
 * The providers the platform speaks, one line each, and the only door to them: code outside
 * adapters/ asks this module (and the contract) what a provider accepts, limits, signs and needs,
 * never a provider's folder. Adding a provider is its folder plus one line in PLUGINS. A channel
 * type with several providers (sms) lists them in the order the API names them.
 */

import type { Dispatcher } from "undici";
import { SendError } from "../core/dispatch/send-error.js";
import type { Logger } from "../core/logger.js";
import type { ChannelType } from "../core/messages/vocabulary.js";
import { africasTalkingPlugin } from "./africastalking/plugin.js";
import { accountRate, accountScope, type AccountLimiterScope, type AccountRates } from "./contract/account-limit.js";
import type { OutboundPolicy } from "./contract/outbound-address.js";

export { outboundPolicy, type OutboundPolicy } from "./contract/outbound-address.js";
export { parseAccountRates, type AccountRates } from "./contract/account-limit.js";
import { providerKey, type CredentialKind, type ProviderPlugin } from "./contract/plugin.js";
import { AdapterRegistry } from "./contract/registry.js";
import type { ReadReceipt } from "./contract/contract.js";
import { Redactor } from "./contract/secrets.js";
import { emailPlugin } from "./email/plugin.js";
import { messengerPlugin } from "./messenger/plugin.js";
import { smppPlugin } from "./smpp/plugin.js";
import { telegramPlugin } from "./telegram/plugin.js";
import { twilioPlugin } from "./twilio/plugin.js";
import { vonagePlugin } from "./vonage/plugin.js";
import { whatsappPlugin } from "./whatsapp/plugin.js";

export const PLUGINS: readonly ProviderPlugin[] = [
  twilioPlugin,
  africasTalkingPlugin,
  vonagePlugin,
  telegramPlugin,
  whatsappPlugin,
  messengerPlugin,
  emailPlugin,
  smppPlugin,
];

export interface RegistryOptions {
  logger?: Logger;
  dispatcher?: Dispatcher;
  /** Base URL per provider key ("telegram", "twilio" …), e.g. all pointing at the provider simulator. */
  baseUrls?: Partial<Record<string, string>>;
  /** The operator's allow-list for tenant-chosen hosts (OUTBOUND_ALLOW); every non-public address is refused without it. */
  outbound?: OutboundPolicy;
}

/** The adapters of every plugin, created on first use and shared by every channel of their kind. */
export function createAdapterRegistry(opts: RegistryOptions = {}): AdapterRegistry {
  const registry = new AdapterRegistry();
  for (const plugin of PLUGINS) {
    const options = {
      logger: opts.logger,
      dispatcher: opts.dispatcher,
      baseUrl: opts.baseUrls?.[providerKey(plugin)],
      outbound: opts.outbound,
    };
    registry.register(plugin.channelType, plugin.provider, () => plugin.createAdapter(options));
  }
  return registry;
}

/** The plugin of a channel, or undefined for a combination no plugin declares. */
export function providerPlugin(channelType: ChannelType, provider?: string | null): ProviderPlugin | undefined {
  const wanted = provider ?? "default";
  return PLUGINS.find((p) => p.channelType === channelType && p.provider === wanted);
}

/** The provider values a channel of this type may have ("default" for single-provider types). */
export function providerKeys(channelType: ChannelType): string[] {
  return PLUGINS.filter((p) => p.channelType === channelType).map((p) => p.provider);
}

/** Every provider value any channel may have. */
export function providerNames(): string[] {
  return [...new Set(PLUGINS.map((p) => p.provider))];
}

/** Which credential schema a channel must satisfy, or undefined when the type has no such provider. */
export function credentialKind(channelType: ChannelType, provider: string): CredentialKind | undefined {
  return providerPlugin(channelType, provider)?.credentials;
}

/**
 * The shared limiter scope and limit for a tenant's channel, or undefined when its provider has no
 * account-wide limit. The rate is the operator's (`rates`) or the plugin's, never the channel's.
 */
export function accountLimitFor(
  channel: { channelType: ChannelType; provider: string; accountId: string },
  credentials: Record<string, unknown>,
  rates: AccountRates = {},
): AccountLimiterScope | undefined {
  const plugin = providerPlugin(channel.channelType, channel.provider);
  return plugin?.accountLimit
    ? accountScope(providerKey(plugin), plugin.accountLimit, channel.accountId, credentials, rates)
    : undefined;
}

/** The provider account's rate per minute for a channel, or undefined when its provider caps no account. */
export function accountRatePerMinute(
  channel: { channelType: ChannelType; provider: string },
  rates: AccountRates = {},
): number | undefined {
  const plugin = providerPlugin(channel.channelType, channel.provider);
  return plugin?.accountLimit ? accountRate(providerKey(plugin), plugin.accountLimit, rates) : undefined;
}

/** Credentials as a channel's webhook signature check and registration read them, given the secret minted for it. */
export function webhookCredentials(
  channel: { channelType: ChannelType; provider: string },
  credentials: Record<string, unknown>,
  channelSecret: string,
): Record<string, unknown> {
  const fill = providerPlugin(channel.channelType, channel.provider)?.webhooks.withChannelSecret;
  return fill ? fill(credentials, channelSecret) : credentials;
}

/** The first segment a webhook path may have: every channel type, and each provider key of a multi-provider type. */
export function webhookPathKeys(): ReadonlySet<string> {
  return new Set(PLUGINS.flatMap((p) => [p.channelType, providerKey(p)]));
}

/** The plugins whose webhooks the registrar registers with the provider. */
export function automaticallyRegistered(): ProviderPlugin[] {
  return PLUGINS.filter((p) => p.webhooks.registration === "automatic");
}

/**
 * What the provider said to a channel's credentials: valid; invalid with its reason; or nothing,
 * because it could not be reached or is failing (try again later, after `retryAfterMs` when it
 * said). Reasons never carry a secret.
 */
export type CredentialVerdict =
  | { outcome: "valid" }
  | { outcome: "invalid"; code: string; reason: string }
  | { outcome: "unavailable"; code: string; reason: string; retryAfterMs: number | null };

/**
 * Asks the provider whether it accepts a channel's credentials: the adapter's verifyCredentials
 * (one cheap authenticated request: getMe, an account or balance look-up, an SMTP login, an SMPP
 * bind), with every reason scrubbed of the credentials' secret fields once more.
 */
export async function verifyChannelCredentials(
  adapters: AdapterRegistry,
  channel: { channelType: ChannelType; provider: string },
  credentials: Record<string, unknown>,
): Promise<CredentialVerdict> {
  const secretFields = providerPlugin(channel.channelType, channel.provider)?.credentials.secretFields ?? [];
  const scrub = (text: string) => Redactor.for(credentials, secretFields).text(text);
  try {
    const check = await adapters.get(channel.channelType, channel.provider).verifyCredentials(credentials);
    return check.valid ? { outcome: "valid" } : { outcome: "invalid", code: check.code, reason: scrub(check.reason) };
  } catch (err) {
    if (!(err instanceof SendError)) throw err;
    return { outcome: "unavailable", code: err.code, reason: scrub(err.message), retryAfterMs: err.retryAfterMs };
  }
}

/**
 * Sends a read receipt for the customer's message where the channel's provider takes one.
 * `not_supported`: the provider has no read receipts (SMS, e-mail, Telegram bots); `failed`: it
 * refused or could not be reached (the reason, secrets scrubbed, in `reason`).
 */
export async function sendReadReceipt(
  adapters: AdapterRegistry,
  channel: { channelType: ChannelType; provider: string },
  credentials: Record<string, unknown>,
  read: ReadReceipt,
): Promise<{ outcome: "sent" | "not_supported" } | { outcome: "failed"; reason: string }> {
  const adapter = adapters.get(channel.channelType, channel.provider);
  if (!adapter.markRead) return { outcome: "not_supported" };
  try {
    await adapter.markRead(credentials, read);
    return { outcome: "sent" };
  } catch (err) {
    if (!(err instanceof SendError)) throw err;
    const secretFields = providerPlugin(channel.channelType, channel.provider)?.credentials.secretFields ?? [];
    return { outcome: "failed", reason: Redactor.for(credentials, secretFields).text(err.message) };
  }
}
