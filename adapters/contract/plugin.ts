/**
 * The descriptor of one provider: everything the rest of the platform may know about it, declared
 * in the provider's folder (adapters/<provider>/plugin.ts) and reached only through
 * adapters/registry.ts. The API validates credentials with it, the dispatcher sizes account-wide
 * limits with it, the webhook receivers authenticate and answer requests with it, the registrar
 * registers webhooks with it, and the registry builds the adapter with it.
 */

import type { z } from "zod";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { AccountLimit } from "./account-limit.js";
import type { AdapterOptions, ChannelAdapter } from "./contract.js";
import type { WebhookRequest } from "./types.js";

export interface ProviderPlugin {
  readonly channelType: ChannelType;
  /** "default" for single-provider channel types, the provider's key for SMS. */
  readonly provider: string;
  readonly credentials: CredentialKind;
  /** A rate the provider applies to a whole account, shared by every channel on it. */
  readonly accountLimit?: AccountLimit;
  readonly webhooks: ProviderWebhooks;
  /** Builds the adapter. Adapters hold no per-channel configuration, so one instance serves every channel of the kind. */
  readonly createAdapter: (options: AdapterOptions) => ChannelAdapter;
}

/**
 * Which credential schema a channel must satisfy. It is the adapter's own schema, so the API
 * refuses exactly what the adapter could not use.
 */
export interface CredentialKind {
  schema: z.ZodType;
  /** Fields that must never appear in logs, errors or results. */
  secretFields: readonly string[];
}

/**
 * automatic: the registrar tells the provider where to call (the adapter implements
 * registerWebhook); manual: an operator follows the steps in the provider's console; none: the
 * provider's events do not arrive by webhook.
 */
export type WebhookRegistrationKind = "automatic" | "manual" | "none";

export interface ProviderWebhooks {
  readonly registration: WebhookRegistrationKind;
  /** What to do so the provider calls `url`, in the words of the provider's console. */
  readonly steps: (url: string) => string[];
  /**
   * Whether a request carries signature material at all: one without it is answered 401
   * (unauthenticated), one whose material does not verify 403 (forged); the check itself is the
   * adapter's. Absent when the provider sends no webhooks: its channels answer 404.
   */
  readonly hasSignature?: (req: WebhookRequest) => boolean;
  /**
   * Credentials as the signature check and the registration read them, given the secret minted
   * for every channel (a provider that echoes a secret we choose gets this one).
   */
  readonly withChannelSecret?: (credentials: Record<string, unknown>, channelSecret: string) => Record<string, unknown>;
  /** The body of the 200 an accepted webhook gets, when the provider reads it; a JSON count otherwise. */
  readonly acceptedReply?: { contentType: string; body: string };
  /**
   * The largest request body this provider's webhooks may carry, where it is more than the
   * receiver's WEBHOOK_BODY_LIMIT (an inbound e-mail with its attachments).
   */
  readonly maxBodyBytes?: number;
  /** The provider may call with GET and the parameters in the query string. */
  readonly acceptsGet?: boolean;
  /**
   * When the provider signed the request, where its signature covers a timestamp (epoch ms):
   * undefined when the request carries none, null when it carries one that cannot be read. The
   * receiver refuses requests signed outside its freshness window, so a captured request cannot
   * be replayed after the replay guard has forgotten it.
   */
  readonly signedAt?: (req: WebhookRequest) => number | null | undefined;
}

/**
 * The provider's one name: the provider key where a channel type has several providers (sms →
 * twilio), the channel type otherwise (telegram). It names the adapter's logger, the webhook path
 * and the entry of PROVIDER_BASE_URLS.
 */
export function providerKey(p: { channelType: ChannelType; provider: string }): string {
  return p.provider === "default" ? p.channelType : p.provider;
}

/** Whether a request's URL carries a query parameter (tokens in registered callback URLs, Vonage's sig). */
export function hasQueryParam(req: WebhookRequest, name: string): boolean {
  return new URL(req.url, "http://placeholder").searchParams.has(name);
}
